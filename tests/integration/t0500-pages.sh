#!/usr/bin/env bash
# t0500-pages.sh - the HTML face as a browser uses it (curl with a cookie
# jar): sign up with the double-submit CSRF cookie, the logged-in header,
# upload through the form, the post page, log out, the login redirect for
# /upload, form errors re-rendered with their message and values, and the
# nginx microcache: anonymous pages are cached, logged-in ones never.
source "$(dirname "$0")/lib.sh"

JAR="$TMP/jar"
# page METHOD PATH [curl args]: a request that reads and writes the jar.
page() { req "$1" "$2" -b "$JAR" -c "$JAR" "${@:3}"; }
form_csrf() { grep -o 'name="csrf" value="[^"]*"' <<<"$BODY" | head -1 | sed 's/.*value="//; s/"$//'; }
jar_cookie() { awk -v n="$1" '$6 == n { print $7 }' "$JAR" 2>/dev/null | tail -1; }

name="$(uniq_name webby)"
pw="correct horse $name"

# ---- sign up ----------------------------------------------------------------
page GET /signup
is "$STATUS" 200 "GET /signup: 200"
like "$BODY" '<form method="post" action="/signup"' "the signup form"
anon_csrf="$(form_csrf)"
like "$anon_csrf" '^[A-Za-z0-9_-]{43}$' "the form has a csrf field"
like "$(header set-cookie)" '^imagier_csrf=[a-z0-9_-]{43};' "GET /signup sets the imagier_csrf cookie"
like "$(header set-cookie)" 'httponly' "... HttpOnly"
like "$(header cache-control)" 'no-store' "the form page is not cacheable"
isnt "$(jar_cookie imagier_csrf)" "$anon_csrf" "the form value is not the cookie itself (it is a MAC of it)"
page GET /login
is "$(form_csrf)" "$anon_csrf" "the same browser gets the same form token on /login"

page POST /signup --data-urlencode "username=$name" --data-urlencode "password=$pw"
is "$STATUS" 403 "POST /signup without the csrf field: 403"
like "$BODY" 'did not come from this site' "... with the reason"
is "$(sql "SELECT COUNT(*) FROM users WHERE username = '$name'")" 0 "... and no account"
req POST /signup --data-urlencode "username=$name" --data-urlencode "password=$pw" --data-urlencode "csrf=$anon_csrf"
is "$STATUS" 403 "the csrf field without its cookie (another browser): 403"
req POST /signup -b "imagier_csrf=$(jar_cookie imagier_csrf)x" --data-urlencode "username=$name" \
	--data-urlencode "password=$pw" --data-urlencode "csrf=$anon_csrf"
is "$STATUS" 403 "the csrf field with a different cookie: 403"

page POST /signup --data-urlencode "username=$name" --data-urlencode "password=short" --data-urlencode "csrf=$anon_csrf"
is "$STATUS" 400 "signup with a weak password: 400"
like "$(header content-type)" '^text/html' "... the HTML form again"
like "$BODY" 'Passwords need at least 10 characters' "... with the message"
like "$BODY" "value=\"$name\"" "... keeping the username"
unlike "$BODY" 'value="short"' "... but not the password"
like "$BODY" '<form method="post" action="/signup"' "... in the signup form"

page POST /signup --data-urlencode "username=$name" --data-urlencode "password=$pw" --data-urlencode "csrf=$anon_csrf"
is "$STATUS" 303 "signup with the csrf: 303"
is "$(header location)" "/" "... to /"
like "$(header set-cookie)" '^imagier_session=[a-z0-9_-]{43};' "... and a session cookie"
session="$(jar_cookie imagier_session)"
like "$session" '^[A-Za-z0-9_-]{43}$' "the jar holds the session"

page GET /
is "$STATUS" 200 "the feed, logged in: 200"
like "$BODY" "<span class=\"who\">@$name</span>" "the header shows @$name"
like "$BODY" '<form class="inline" method="post" action="/logout">' "the header has a logout form"
unlike "$BODY" 'href="/signup"' "no signup link when logged in"
is "$(header x-cache)" bypass "a logged-in page bypasses the microcache"
like "$(header cache-control)" 'private' "a logged-in page is private"
csrf="$(form_csrf)"
like "$csrf" '^[A-Za-z0-9_-]{43}$' "the logout form carries the session csrf"
isnt "$csrf" "$anon_csrf" "the session csrf is not the anonymous one"

page POST /signup --data-urlencode "username=$name" --data-urlencode "password=$pw" --data-urlencode "csrf=$csrf"
is "$STATUS" 409 "signing up the same name again: 409"
like "$BODY" 'That username is taken' "... with the message"

# ---- upload through the form ------------------------------------------------
page GET /upload
is "$STATUS" 200 "GET /upload logged in: 200"
like "$BODY" 'enctype="multipart/form-data"' "the upload form is multipart"
is "$(form_csrf)" "$csrf" "the upload form carries the session csrf"
img="$(image jpeg 900 600 21)"
page POST /upload -F "csrf=$csrf" -F "image=@$img" -F "prompt=a castle made of clouds, via the form" \
	-F "caption=form caption" -F "tags=Castle clouds"
is "$STATUS" 303 "POST /upload with the csrf: 303"
like "$(rawheader location)" '^/p/[0-9]+$' "... to /p/ID"
loc="$(rawheader location)"
pid="${loc#/p/}"
page GET "$loc"
is "$STATUS" 200 "the new post page: 200"
like "$BODY" 'a castle made of clouds, via the form' "it shows the prompt"
like "$BODY" "@$name" "it shows the author"
like "$BODY" 'form caption' "it shows the caption"
like "$BODY" '#castle' "it shows the tags"
like "$BODY" 'AI-generated' "it has the AI-generated label"
req GET "/api/v1/posts/$pid"
is "$(json .post.author.username)" "$name" "the API agrees on the author"

page POST /upload -F "csrf=$csrf" -F "image=@$img" -F "prompt=" -F "caption=kept caption"
is "$STATUS" 400 "upload form without a prompt: 400"
like "$BODY" 'Prompt is required' "... with the message"
like "$BODY" 'kept caption' "... keeping the caption"
like "$BODY" 'enctype="multipart/form-data"' "... in the upload form"
page POST /upload -F "csrf=$csrf" -F "image=@$TMP/jar;filename=x.jpg" -F "prompt=not an image"
is "$STATUS" 415 "upload form with a non-image: 415"
like "$BODY" 'role="alert"' "... shows an error"

# ---- log out ----------------------------------------------------------------
page POST /logout --data-urlencode "csrf=wrong"
is "$STATUS" 403 "POST /logout with a wrong csrf: 403"
page GET /
like "$BODY" "@$name" "... still logged in"
page POST /logout --data-urlencode "csrf=$csrf"
is "$STATUS" 303 "POST /logout: 303"
is "$(header location)" "/" "... to /"
like "$(header set-cookie)" '^imagier_session=;.*max-age=0' "... clears the session cookie"
is "$(jar_cookie imagier_session)" "" "the jar has no session any more"
req GET /api/v1/me -b "imagier_session=$session"
is "$STATUS" 401 "the old session is dead on the server too"
page GET /
unlike "$BODY" 'class="who"' "the feed no longer shows who is logged in"
like "$BODY" 'href="/login"' "it shows the login link"

# ---- login required, login form ---------------------------------------------
page GET /upload
is "$STATUS" 303 "GET /upload anonymous: 303"
is "$(rawheader location)" "/login?next=%2Fupload" "... to /login?next=%2Fupload"
page POST /upload -F "csrf=$anon_csrf" -F "image=@$img" -F "prompt=anon"
is "$STATUS" 303 "POST /upload anonymous: 303 to login"
page GET "/login?next=%2Fupload"
is "$STATUS" 200 "the login page: 200"
like "$BODY" 'name="next" value="/upload"' "the login form keeps next=/upload"
lcsrf="$(form_csrf)"
page POST /login --data-urlencode "username=$name" --data-urlencode "password=wrong password" \
	--data-urlencode "csrf=$lcsrf" --data-urlencode "next=/upload"
is "$STATUS" 401 "login with a wrong password: 401"
like "$BODY" 'Wrong username or password' "... re-renders with the message"
like "$BODY" "id=\"username\" name=\"username\" value=\"$name\"" "... keeping the username"
unlike "$BODY" 'wrong password"' "... not the password"
like "$BODY" 'name="next" value="/upload"' "... keeping next"
page POST /login --data-urlencode "username=$name" --data-urlencode "password=$pw" \
	--data-urlencode "csrf=$lcsrf" --data-urlencode "next=/upload"
is "$STATUS" 303 "login: 303"
is "$(header location)" "/upload" "... back to next (/upload)"
page GET /upload
is "$STATUS" 200 "/upload works after login"
csrf2="$(form_csrf)"
page POST /logout --data-urlencode "csrf=$csrf2"
is "$STATUS" 303 "log out again"
for evil in //evil.example/x 'https://evil.example/' '/\evil.example' $'/\t/evil.example' \
	$'/\x01/evil.example' $'/\x7f/evil.example'; do
	page GET /login
	page POST /login --data-urlencode "username=$name" --data-urlencode "password=$pw" \
		--data-urlencode "csrf=$(form_csrf)" --data-urlencode "next=$evil"
	is "$(header location)" "/" "login with next=$evil redirects to / (no open redirect)"
	page GET /
	page POST /logout --data-urlencode "csrf=$(form_csrf)"
done
sql "DELETE FROM rate_limits WHERE k = 'login:a:127.0.0.1'" >/dev/null

# ---- the microcache ---------------------------------------------------------
hit=""
for _ in 1 2 3; do
	req GET /
	first="$(header x-cache)"
	req GET /
	hit="$(header x-cache)"
	[[ $hit == hit ]] && break
done
like "$first" '^(miss|hit|expired|updating|stale)$' "an anonymous GET / has X-Cache ($first)"
is "$hit" hit "a second anonymous GET / right after is a HIT"
is "$(header set-cookie)" "" "a cached page sets no cookie"
unlike "$BODY" 'name="csrf"' "a cached page carries no csrf token"
unlike "$BODY" 'class="who"' "a cached page shows nobody as logged in"
new_user "$(uniq_name cached)"
req GET / -b "imagier_session=$TOKEN"
is "$(header x-cache)" bypass "a logged-in GET / is not served from the cache"
req GET /api/v1/me -H "Authorization: Bearer $TOKEN"
me="$(json .user.username)"
req GET / -b "imagier_session=$TOKEN"
like "$BODY" "<span class=\"who\">@$me</span>" "the logged-in page shows @$me"
req GET /
unlike "$BODY" "@$me" "... and that page never lands in the anonymous cache"
req GET /api/v1/feed -H "Authorization: Bearer $TOKEN"
is "$(header x-cache)" bypass "an API call with a bearer token bypasses the cache"

is "$(http_code /healthz)" 200 "healthz still 200"
done_testing

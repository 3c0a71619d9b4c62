#!/usr/bin/env bash
# t0400-bad-input.sh - hostile and broken input: damaged and fake images,
# oversized images and bodies, malformed multipart, JSON and query strings,
# bad text fields, wrong content types, CSRF-less form posts. Each gets a
# clear 4xx (JSON from the API), stores nothing (no posts row, no media
# file) and leaves the workers serving. SQL and HTML metacharacters are
# stored and returned literally, and escaped in HTML.
source "$(dirname "$0")/lib.sh"

name="$(uniq_name hostile)"
new_user "$name"
isnt "$TOKEN" null "a logged-in user"
AUTH=(-H "Authorization: Bearer $TOKEN")
req GET /api/v1/me "${AUTH[@]}"
uid="$(json .user.id)"
# this user's posts (other posts may appear meanwhile, e.g. from imagier-gen)
my_posts() { count_rows "posts WHERE user_id = $uid"; }
posts0="$(my_posts)"
media0="$(count_media)"

# stored_nothing WHAT: no new post, no new media file, and the app answers.
stored_nothing() {
	is "$(my_posts)" "$posts0" "$1: no post stored"
	is "$(count_media)" "$media0" "$1: no media file stored"
	is "$(http_code /healthz)" 200 "$1: the workers keep serving"
}
# api_error STATUS CODE WHAT: the last answer is that JSON error.
api_error() {
	is "$STATUS" "$1" "$3: $1"
	like "$(header content-type)" '^application/json' "$3: JSON"
	if [[ -n $2 ]]; then is "$(json .error.code)" "$2" "$3: code $2"; fi
	like "$(json .error.message)" '.{6,}' "$3: a readable message"
}

# ---- damaged and fake images ------------------------------------------------
jpg="$(image jpeg 800 600 5)"
head -c $(($(stat -c %s "$jpg") / 2)) "$jpg" >"$TMP/half.jpg"
upload "$TMP/half.jpg" "half a jpeg"
api_error 400 bad_image "truncated JPEG"
stored_nothing "truncated JPEG"

png="$(image png 800 600 5)"
head -c $(($(stat -c %s "$png") / 2)) "$png" >"$TMP/half.png"
upload "$TMP/half.png" "half a png"
api_error 400 bad_image "truncated PNG"
stored_nothing "truncated PNG"

head -c 40 "$png" >"$TMP/header-only.png"
upload "$TMP/header-only.png" "just a PNG header"
api_error 400 bad_image "PNG header only"
stored_nothing "PNG header only"

echo "hello, I am a text file pretending to be a JPEG" >"$TMP/x.jpg"
upload "$TMP/x.jpg" "text" -F "image=@$TMP/x.jpg;type=image/jpeg"
api_error 415 bad_image "a text file named x.jpg"
stored_nothing "a text file named x.jpg"

printf 'GIF89a\x01\x00\x01\x00\x00\x00\x00;' >"$TMP/x.gif"
upload "$TMP/x.gif" "a gif"
api_error 415 bad_image "a GIF (unsupported format)"
stored_nothing "a GIF"

"$MKIMAGE" bigpng 10000 5000 "$TMP/big.png" >/dev/null
ok "$( (($(stat -c %s "$TMP/big.png") < 100000)); echo $?)" "the 50-megapixel PNG is a small file"
upload "$TMP/big.png" "fifty megapixels"
api_error 413 too_large "a 10000x5000 PNG (over 40 megapixels)"
stored_nothing "a 10000x5000 PNG"

"$MKIMAGE" bigpng 70000 10 "$TMP/wide.png" >/dev/null
upload "$TMP/wide.png" "very wide"
is "${STATUS:0:1}" 4 "a 70000x10 PNG: 4xx ($STATUS)"
stored_nothing "a 70000x10 PNG"

# A progressive JPEG with 3,000 more scans, each a pass over the whole
# picture that changes nothing: a small file that asks for minutes of
# decoding. Refused once the scans pass the cap, as a post and as an avatar.
"$MKIMAGE" scansjpeg 2000 1500 3000 "$TMP/scans.jpg" >/dev/null
ok "$( (($(stat -c %s "$TMP/scans.jpg") < 1000000)); echo $?)" "the 3,000-scan JPEG is a small file"
upload "$TMP/scans.jpg" "three thousand scans"
api_error 422 too_complex "a JPEG with 3,000 scans"
like "$(json .error.message)" 'more than 100 scans' "  ... which says why"
stored_nothing "a JPEG with 3,000 scans"
req PUT /api/v1/me/avatar "${AUTH[@]}" -F "avatar=@$TMP/scans.jpg"
api_error 422 too_complex "the same JPEG as an avatar"
stored_nothing "the 3,000-scan avatar"
"$MKIMAGE" scansjpeg 2000 1500 0 "$TMP/scans0.jpg" >/dev/null
upload "$TMP/scans0.jpg" "the same picture, ten scans"
is "$STATUS" 201 "the same picture with its ordinary 10 scans: 201"
posts0="$(my_posts)"
media0="$(count_media)"

# ---- sizes: nginx's limit and the app's ------------------------------------
head -c 30000000 /dev/zero >"$TMP/30m.jpg"
upload "$TMP/30m.jpg" "thirty megabytes"
is "$STATUS" 413 "a 30 MB body: 413"
like "$BODY" 'nginx' "... from nginx, before the app"
stored_nothing "a 30 MB body"

head -c 21500000 /dev/zero >"$TMP/21m.jpg"
upload "$TMP/21m.jpg" "over the app's limit"
api_error 413 too_large "a 21.5 MB file (over 20 MiB, under nginx's 25 MB)"
stored_nothing "a 21.5 MB file"
rm -f "$TMP/30m.jpg" "$TMP/21m.jpg"

# ---- malformed multipart ----------------------------------------------------
req POST /api/v1/posts "${AUTH[@]}" -H 'Content-Type: multipart/form-data' \
	--data-binary $'--xyz\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nhi\r\n--xyz--\r\n'
api_error 400 bad_request "multipart without a boundary"
stored_nothing "multipart without a boundary"

req POST /api/v1/posts "${AUTH[@]}" -H 'Content-Type: multipart/form-data; boundary=xyz' \
	--data-binary "$(printf -- '--xyz\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nhi there, no end')"
api_error 400 bad_request "an unterminated part"
stored_nothing "an unterminated part"

printf -- '--xyz\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nfine\r\n--xyz\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n' >"$TMP/cut.body"
cat "$png" >>"$TMP/cut.body"
req POST /api/v1/posts "${AUTH[@]}" -H 'Content-Type: multipart/form-data; boundary=xyz' --data-binary "@$TMP/cut.body"
api_error 400 bad_request "an image part without its closing boundary"
stored_nothing "an image part without its closing boundary"

req POST /api/v1/posts "${AUTH[@]}" -H 'Content-Type: multipart/form-data; boundary=xyz' \
	--data-binary $'--xyz\r\nContent-Disposition: form-data\r\n\r\nhi\r\n--xyz--\r\n'
api_error 400 bad_request "a part without a name"
stored_nothing "a part without a name"

req POST /api/v1/posts "${AUTH[@]}" -H 'Content-Type: multipart/form-data; boundary=xyz' \
	--data-binary $'--xyz\r\n\r\nno headers at all\r\n--xyz--\r\n'
is "$STATUS" 400 "a part without headers: 400"
stored_nothing "a part without headers"

req POST /api/v1/posts "${AUTH[@]}" -H 'Content-Type: multipart/form-data; boundary=xyz' --data-binary 'garbage'
is "$STATUS" 400 "a multipart body that is garbage: 400"
stored_nothing "a garbage multipart body"

# ---- missing and bad fields -------------------------------------------------
small="$(image png 50 40 11)"
req POST /api/v1/posts "${AUTH[@]}" -F "prompt=no image"
api_error 400 missing_image "no image"
stored_nothing "no image"

req POST /api/v1/posts "${AUTH[@]}" -F "image=@/dev/null;filename=empty.png" -F "prompt=empty image"
api_error 400 missing_image "an empty image file"
stored_nothing "an empty image file"

req POST /api/v1/posts "${AUTH[@]}" -F "image=@$small" -F "prompt="
api_error 400 missing_prompt "an empty prompt"
stored_nothing "an empty prompt"

req POST /api/v1/posts "${AUTH[@]}" -F "image=@$small" --form-string "prompt=   "
api_error 400 missing_prompt "a blank prompt"

req POST /api/v1/posts "${AUTH[@]}" -F "image=@$small"
api_error 400 missing_prompt "no prompt field"
stored_nothing "no prompt field"

req POST /api/v1/posts "${AUTH[@]}" -F "image=@$small" -F "prompt=fine" --form-string "caption=$(printf 'bad \xff byte')"
api_error 400 "" "a caption with invalid UTF-8"
stored_nothing "a caption with invalid UTF-8"

req POST /api/v1/posts "${AUTH[@]}" -F "image=@$small" -F "prompt=fine" --form-string "caption=$(printf 'bell \x01 char')"
api_error 400 bad_caption "a caption with a control character"
stored_nothing "a caption with a control character"

req POST /api/v1/posts "${AUTH[@]}" -F "image=@$small" --form-string "prompt=$(printf 'over\xc0\xafslash')"
api_error 400 "" "a prompt with an overlong UTF-8 sequence"

req POST /api/v1/posts "${AUTH[@]}" -F "image=@$small" --form-string "prompt=$(printf 'p%.0s' {1..2001})"
api_error 400 bad_prompt "a 2001-character prompt"
stored_nothing "a 2001-character prompt"

req POST /api/v1/posts "${AUTH[@]}" -F "image=@$small" --form-string "prompt=$(printf '\xc3\xa9%.0s' {1..2000})"
is "$STATUS" 201 "a 2000-character prompt (4000 bytes of é) is accepted"
is "$(json '.post.prompt | length')" 2000 "... and comes back whole"
posts0="$(my_posts)"
media0="$(count_media)"

# ---- metacharacters: stored and returned literally, escaped in HTML ----------
evil=$'\'; DROP TABLE posts; -- <script>alert(1)</script> "&amp; \\ %s %n'
evil_caption=$'<img src=x onerror=alert(2)> caption\nline two & \'quotes\''
req POST /api/v1/posts "${AUTH[@]}" -F "image=@$small" --form-string "prompt=$evil" \
	--form-string "caption=$evil_caption" --form-string "tags=sql-injection, x_y, ünïcødé"
is "$STATUS" 201 "a prompt full of SQL and HTML metacharacters: 201"
eid="$(json .post.id)"
is "$(json .post.prompt)" "$evil" "the upload answer has the prompt literally"
is "$(json .post.caption)" "$evil_caption" "... and the caption (newline kept)"
is "$(jsonc .post.tags)" '["sql-injection","x_y","ünïcødé"]' "... and the tags"
is "$(sql "SHOW TABLES LIKE 'posts'")" posts "the posts table is still there"
is "$(my_posts)" "$((posts0 + 1))" "... with one row more"
req GET "/api/v1/posts/$eid"
is "$(json .post.prompt)" "$evil" "GET returns the prompt literally"
is "$(json .post.caption)" "$evil_caption" "GET returns the caption literally"
is "$(sql "SELECT prompt FROM posts WHERE id = $eid")" "$(printf '%s' "$evil" | sed 's/\\/\\\\/g')" "the database holds the prompt as sent"
req GET "/p/$eid"
is "$STATUS" 200 "/p/$eid renders"
like "$BODY" '&lt;script&gt;alert\(1\)&lt;/script&gt;' "the page shows &lt;script&gt; escaped"
unlike "$BODY" '<script>alert' "the page has no live <script>alert"
unlike "$BODY" '<img src=x' "the page has no live <img src=x onerror>"
like "$BODY" '&amp;amp;' "& is escaped as &amp;"
like "$BODY" '(&quot;|&#34;)' "double quotes are escaped"
unlike "$BODY" 'alt="'"'"'; DROP' "the alt attribute cannot be broken out of"
like "$BODY" '#ünïcødé' "the non-ASCII tag is shown"
req GET / -H "Authorization: Bearer $TOKEN"
unlike "$BODY" '<script>alert' "the feed page has no live <script>alert either"
like "$BODY" '&lt;script&gt;alert' "... it shows it escaped"
posts0="$(my_posts)"

# ---- bad JSON ---------------------------------------------------------------
jreq() { req POST "$1" -H 'Content-Type: application/json' --data-binary "$2"; }
jreq /api/v1/sessions 'not json'
api_error 400 bad_request "a body that is not JSON"
jreq /api/v1/sessions '{"username":"a","password":'
api_error 400 bad_request "truncated JSON"
jreq /api/v1/sessions '["username","password"]'
api_error 400 bad_request "a JSON array"
jreq /api/v1/sessions '"just a string"'
api_error 400 bad_request "a JSON string"
deep="$(printf '{"a":%.0s' {1..100})1$(printf '}%.0s' {1..100})"
jreq /api/v1/sessions "$deep"
api_error 400 bad_request "JSON nested 100 deep"
deep="$(printf '[%.0s' {1..5000})"
jreq /api/v1/accounts "{\"username\":$deep"
api_error 400 bad_request "5000 open brackets"
jreq /api/v1/accounts "$(printf '{"username":"bad\xffutf8","password":"a fine password 1"}')"
api_error 400 "" "JSON with invalid UTF-8"
is "$(http_code /healthz)" 200 "the workers keep serving after bad JSON"

# ---- wrong content types ----------------------------------------------------
req POST /api/v1/sessions -H 'Content-Type: text/plain' --data 'username=a&password=b'
api_error 415 unsupported_media_type "text/plain to the API"
req POST /api/v1/posts "${AUTH[@]}" -H 'Content-Type: text/plain' --data 'prompt=x'
api_error 415 unsupported_media_type "text/plain to POST /api/v1/posts"
stored_nothing "text/plain to POST /api/v1/posts"
req POST /api/v1/posts "${AUTH[@]}" -H 'Content-Type: application/octet-stream' --data-binary "@$small"
api_error 415 unsupported_media_type "a raw image body"
stored_nothing "a raw image body"
req POST /api/v1/posts "${AUTH[@]}" --data "prompt=urlencoded"
api_error 415 unsupported_media_type "a urlencoded form to the API"

# ---- CSRF on the HTML upload form -------------------------------------------
# the right token with its last character changed
if [[ ${CSRF: -1} == A ]]; then wrong_csrf="${CSRF:0:42}B"; else wrong_csrf="${CSRF:0:42}A"; fi
req POST /upload -b "imagier_session=$TOKEN" -F "image=@$small" -F "prompt=no csrf"
is "$STATUS" 403 "HTML /upload with a cookie session and no csrf: 403"
like "$(header content-type)" '^text/html' "... an HTML page"
like "$BODY" 'did not come from this site' "... saying why"
stored_nothing "HTML /upload without csrf"
req POST /upload -b "imagier_session=$TOKEN" -F "image=@$small" -F "prompt=wrong csrf" -F "csrf=$wrong_csrf"
is "$STATUS" 403 "HTML /upload with a wrong csrf: 403"
stored_nothing "HTML /upload with a wrong csrf"
req POST /upload -b "imagier_session=$TOKEN" -F "image=@$small" -F "prompt=empty csrf" -F "csrf="
is "$STATUS" 403 "HTML /upload with an empty csrf: 403"
stored_nothing "HTML /upload with an empty csrf"

# ---- query strings and other framing -----------------------------------------
req GET '/api/v1/feed?cursor=%zz'
api_error 400 bad_request "a bad percent escape in the query"
req GET '/?q=%4'
is "$STATUS" 400 "a truncated percent escape on a page: 400"
like "$(header content-type)" '^text/html' "... an HTML error page"
req GET '/api/v1/feed?x=%00'
api_error 400 bad_request "%00 in the query"
req GET '/api/v1/feed?x=%ff'
api_error 400 bad_request "invalid UTF-8 in the query"
req GET "/api/v1/feed?$(printf 'f%d=1&' {1..100})"
is "${STATUS:0:1}" 4 "100 query fields: 4xx ($STATUS)"
req POST /api/v1/sessions -H 'Content-Type: application/x-www-form-urlencoded' --data 'username=%zz&password=x'
is "$STATUS" 400 "a bad escape in a form body: 400"
req GET /api/v1/me -H "Cookie: $(printf 'c%d=v; ' {1..20})imagier_session=$(head -c 9000 /dev/zero | tr '\0' a)"
is "${STATUS:0:1}" 4 "a 9 KB cookie: 4xx ($STATUS)"

is "$(my_posts)" "$posts0" "no post was stored by any refused request"
is "$(http_code /healthz)" 200 "healthz 200 at the end"
done_testing

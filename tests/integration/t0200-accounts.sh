#!/usr/bin/env bash
# t0200-accounts.sh - accounts and sessions over the API: sign up, log in,
# /me, log out; duplicate and invalid names, weak passwords; session cookie
# flags; CSRF rules (bearer needs none, a cookie session does); forged
# cookies are anonymous and cleared; the login rate limit; the admin
# account; session tokens are stored only as hashes.
source "$(dirname "$0")/lib.sh"

jpost() { req POST "$1" -H 'Content-Type: application/json' --data "$2" "${@:3}"; }
signup() { jpost /api/v1/accounts "{\"username\":\"$1\",\"password\":\"$2\"}"; }
login() { jpost /api/v1/sessions "{\"username\":\"$1\",\"password\":\"$2\"}"; }

# ---- sign up ----------------------------------------------------------------
name="$(uniq_name alice)"
pw="correct horse $name"
signup "$name" "$pw"
is "$STATUS" 201 "signup: 201"
like "$(header content-type)" '^application/json' "signup: JSON"
is "$(json .user.username)" "$name" "signup: the username comes back"
is "$(json .user.role)" user "signup: role user"
like "$(json .user.id)" '^[0-9]+$' "signup: a numeric id"
uid="$(json .user.id)"
is "$(sql "SELECT username FROM users WHERE id = $uid")" "$name" "signup: the row is in users"
pwhash="$(sql "SELECT password_hash FROM users WHERE id = $uid")"
like "$pwhash" '^\$argon2id\$' "the password is stored as an argon2id hash"
unlike "$pwhash" "$pw" "the password is not stored in clear"
is "$(header set-cookie)" "" "an API signup sets no session cookie"

signup "$name" "another password 42"
is "$STATUS" 409 "the same name again: 409"
is "$(json .error.code)" username_taken "... code username_taken"
upper="$(tr 'a-z' 'A-Z' <<<"${name:0:1}")${name:1}"
signup "$upper" "another password 42"
is "$STATUS" 409 "names are unique case-insensitively ($upper vs $name): 409"
is "$(json .error.code)" username_taken "... code username_taken"

bad_name() {
	signup "$1" "a fine password 123"
	is "$STATUS" 400 "bad username '$2': 400"
	is "$(json .error.code)" bad_username "bad username '$2': code bad_username"
	isnt "$(json .error.message)" "" "bad username '$2': a message"
}
bad_name ab "too short"
bad_name 1abcdef "starts with a digit"
bad_name "has space" "a space"
bad_name "<script>" "<script>"
bad_name "admin" "reserved admin"
bad_name "Admin" "reserved Admin (case-insensitive)"
bad_name "a$(printf 'b%.0s' {1..30})" "31 characters"
bad_name "r\\u00e9my" "non-ASCII"
bad_name "a;drop" "punctuation"
long30="x$(date +%s%N | tail -c 10)$(printf 'q%.0s' {1..20})"
long30="${long30:0:30}"
signup "$long30" "a fine password 123"
is "$STATUS" 201 "a 30-character name is accepted"

weak() {
	signup "$(uniq_name weak)" "$1"
	is "$STATUS" 400 "weak password ($2): 400"
	is "$(json .error.code)" weak_password "weak password ($2): code weak_password"
	like "$(json .error.message)" '[Pp]assword' "weak password ($2): the message explains"
}
weak "short1!" "under 10 characters"
weak "password123" "a common password"
weak "aaaaabbbbbaaaaa" "fewer than 5 distinct characters"
weak "$(printf 'x%.0s' {1..120})abcdefghij" "over 128 characters"
wn="$(uniq_name same)"
signup "$wn" "$wn"
is "$STATUS" 400 "password = username: 400"
is "$(json .error.code)" weak_password "password = username: weak_password"
signup "" ""
is "$STATUS" 400 "empty username and password: 400"
jpost /api/v1/accounts '{"username":5,"password":["x"]}'
is "$STATUS" 400 "non-string fields: 400"
is "$(json .error.code)" missing_field "non-string fields: missing_field"
jpost /api/v1/accounts '{}'
is "$STATUS" 400 "no fields: 400"
req POST /api/v1/accounts --data "username=$(uniq_name form)&password=a+fine+password+1"
is "$STATUS" 403 "a form-encoded signup without a CSRF token (cross-site form) is refused"
is "$(json .error.code)" csrf "... with code csrf"

# ---- log in -----------------------------------------------------------------
login "$name" "wrong password 1"
is "$STATUS" 401 "wrong password: 401"
is "$(json .error.code)" bad_credentials "wrong password: bad_credentials"
wrong_msg="$(json .error.message)"
login "$(uniq_name nobody)" "whatever password"
is "$STATUS" 401 "unknown user: 401"
is "$(json .error.message)" "$wrong_msg" "unknown user: the same message as a wrong password"
login "$upper" "$pw"
login "$name" "$pw"
is "$STATUS" 200 "login: 200"
TOKEN="$(json .token)"
CSRF="$(json .csrf)"
like "$TOKEN" '^[A-Za-z0-9_-]{43}$' "login: a 256-bit token"
like "$CSRF" '^[A-Za-z0-9_-]{43}$' "login: a csrf token"
isnt "$TOKEN" "$CSRF" "token and csrf differ"
is "$(json .user.username)" "$name" "login: user.username"
is "$(json .user.id)" "$uid" "login: user.id"
cookie="$(header set-cookie)"
like "$cookie" "^imagier_session=${TOKEN,,};" "login sets the imagier_session cookie to the token"
like "$cookie" '; httponly' "session cookie is HttpOnly"
like "$cookie" '; samesite=lax' "session cookie is SameSite=Lax"
like "$cookie" '; path=/' "session cookie has Path=/"
like "$cookie" '; max-age=[1-9][0-9]*' "session cookie is persistent (Max-Age)"
unlike "$cookie" '; secure' "no Secure flag over plain http (secure_cookies=auto)"
like "$(header cache-control)" 'no-store' "the login answer is not cacheable"

# Stored as a hash only: BLAKE2b-256 of the token, never the token itself.
esc_tok="${TOKEN//\'/}"
is "$(sql "SELECT COUNT(*) FROM sessions WHERE hex(token_hash) = '$esc_tok' OR token_hash = '$esc_tok' OR csrf = '$esc_tok' OR hex(token_hash) = hex('$esc_tok')")" 0 "no sessions row holds the token in clear"
want_hash="$(python3 -c 'import hashlib,sys; print(hashlib.blake2b(sys.argv[1].encode(), digest_size=32).hexdigest().upper())' "$TOKEN")"
is "$(sql "SELECT COUNT(*) FROM sessions WHERE hex(token_hash) = '$want_hash' AND user_id = $uid")" 1 "the sessions row holds BLAKE2b-256(token)"
dump="$(sql "SELECT hex(token_hash), csrf, user_id FROM sessions")"
unlike "$dump" "$TOKEN" "the token appears nowhere in the sessions table"

# ---- /me with bearer and cookie ---------------------------------------------
req GET /api/v1/me -H "Authorization: Bearer $TOKEN"
is "$STATUS" 200 "me (bearer): 200"
is "$(json .user.username)" "$name" "me (bearer): the right user"
is "$(json .user.role)" user "me (bearer): role"
req GET /api/v1/me -b "imagier_session=$TOKEN"
is "$STATUS" 200 "me (cookie): 200"
is "$(json .user.id)" "$uid" "me (cookie): the right user"
req GET /api/v1/me
is "$STATUS" 401 "me anonymous: 401"
is "$(json .error.code)" unauthorized "me anonymous: JSON error unauthorized"
req GET /api/v1/me -H "Authorization: Bearer "
is "$STATUS" 401 "me with an empty bearer: 401"

# ---- CSRF -------------------------------------------------------------------
img="$(image png 64 48)"
req POST /api/v1/posts -H "Authorization: Bearer $TOKEN" -F "image=@$img" -F "prompt=bearer, no csrf"
is "$STATUS" 201 "bearer token: POST without CSRF works"
posts0="$(count_rows "posts WHERE user_id = $uid")"
req POST /api/v1/posts -b "imagier_session=$TOKEN" -F "image=@$img" -F "prompt=cookie, no csrf"
is "$STATUS" 403 "cookie session, no CSRF header: 403"
is "$(json .error.code)" csrf "... code csrf"
req POST /api/v1/posts -b "imagier_session=$TOKEN" -H "X-CSRF-Token: ${CSRF}x" -F "image=@$img" -F "prompt=cookie, wrong csrf"
is "$STATUS" 403 "cookie session, wrong CSRF: 403"
is "$(json .error.code)" csrf "... code csrf"
req POST /api/v1/posts -b "imagier_session=$TOKEN" -H "X-CSRF-Token: $TOKEN" -F "image=@$img" -F "prompt=cookie, token as csrf"
is "$STATUS" 403 "cookie session, session token as CSRF: 403"
is "$(count_rows "posts WHERE user_id = $uid")" "$posts0" "the refused posts stored nothing"
req POST /api/v1/posts -b "imagier_session=$TOKEN" -H "X-CSRF-Token: $CSRF" -F "image=@$img" -F "prompt=cookie with csrf"
is "$STATUS" 201 "cookie session with X-CSRF-Token: 201"
is "$(json .post.author.username)" "$name" "... posted as the cookie's user"
req POST /api/v1/posts -b "imagier_session=$TOKEN" -F "csrf=$CSRF" -F "image=@$img" -F "prompt=cookie with csrf field"
is "$STATUS" 201 "cookie session with a csrf form field: 201"

# ---- forged and stale cookies -----------------------------------------------
forged="$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' | head -c 43)"
req GET /api/v1/me -b "imagier_session=$forged"
is "$STATUS" 401 "a forged session cookie is anonymous (401)"
like "$(header set-cookie)" '^imagier_session=;' "... and the response clears it"
like "$(header set-cookie)" 'max-age=0' "... with Max-Age=0"
req GET /api/v1/me -b "imagier_session=short"
is "$STATUS" 401 "a malformed session cookie is anonymous (401)"
like "$(header set-cookie)" '^imagier_session=;' "... and cleared"
req GET /api/v1/me -H "Authorization: Bearer $forged"
is "$STATUS" 401 "a forged bearer token: 401"
is "$(header set-cookie)" "" "a bad bearer token clears no cookie"
req GET / -b "imagier_session=$forged"
is "$STATUS" 200 "a page with a forged cookie still renders"
like "$BODY" 'href="/login"' "... as anonymous (Log in link)"

# ---- log out ----------------------------------------------------------------
login "$name" "$pw"
t2="$(json .token)"
c2="$(json .csrf)"
req DELETE /api/v1/sessions/current -b "imagier_session=$t2"
is "$STATUS" 403 "cookie logout without CSRF: 403"
req GET /api/v1/me -b "imagier_session=$t2"
is "$STATUS" 200 "... and the session still works"
req DELETE /api/v1/sessions/current -b "imagier_session=$t2" -H "X-CSRF-Token: $c2"
is "$STATUS" 200 "cookie logout with CSRF: 200"
is "$(json .logged_out)" true "... logged_out: true"
like "$(header set-cookie)" '^imagier_session=;.*max-age=0' "... clears the cookie"
req GET /api/v1/me -b "imagier_session=$t2"
is "$STATUS" 401 "after logout the cookie is dead"
req DELETE /api/v1/sessions/current -H "Authorization: Bearer $TOKEN"
is "$STATUS" 200 "bearer logout without CSRF: 200"
req GET /api/v1/me -H "Authorization: Bearer $TOKEN"
is "$STATUS" 401 "after logout the token gives 401"
is "$(sql "SELECT COUNT(*) FROM sessions WHERE hex(token_hash) = '$want_hash'")" 0 "logout deleted the sessions row"
req DELETE /api/v1/sessions/current
is "$STATUS" 401 "logout while anonymous: 401"

# ---- login rate limit -------------------------------------------------------
# All tests come from 127.0.0.1: forget this address's failures so that
# re-running the suite against one stack never trips the per-address limit.
sql "DELETE FROM rate_limits WHERE k = 'login:a:127.0.0.1'" >/dev/null
rl="$(uniq_name limited)"
signup "$rl" "correct horse $rl"
is "$STATUS" 201 "rate limit: a fresh account"
codes=""
for i in $(seq 10); do
	login "$rl" "wrong password $i"
	codes+="$STATUS "
done
is "$codes" "401 401 401 401 401 401 401 401 401 401 " "10 wrong passwords: 401 each"
login "$rl" "wrong password 11"
is "$STATUS" 429 "the 11th attempt: 429"
is "$(json .error.code)" rate_limited "... code rate_limited"
like "$(header retry-after)" '^[0-9]+$' "... with Retry-After"
login "$rl" "correct horse $rl"
is "$STATUS" 429 "the right password is refused too while limited"
is "$(json .token)" "null" "... and no token is handed out"
# The limit holds for the name as MariaDB compares it (case, accents,
# trailing spaces), not only as typed.
RL_UPPER=$(tr '[:lower:]' '[:upper:]' <<<"$rl")
for variant in "$RL_UPPER" "$rl " "${RL_UPPER:0:1}${rl:1}"; do
	login "$variant" "correct horse $rl"
	is "$STATUS" 429 "... and so is the name written '$variant'"
done
login "$name" "$pw"
is "$STATUS" 200 "another name is not affected"
sql "DELETE FROM rate_limits WHERE k = 'login:a:127.0.0.1'" >/dev/null

# ---- the admin account ------------------------------------------------------
login admin "${IMAGIER_ADMIN_PASSWORD:-admin-test-password-42}"
is "$STATUS" 200 "admin logs in with IMAGIER_ADMIN_PASSWORD"
is "$(json .user.role)" admin "admin has role admin"
at="$(json .token)"
req GET /api/v1/me -H "Authorization: Bearer $at"
is "$(json .user.role)" admin "/me says admin"
req DELETE /api/v1/sessions/current -H "Authorization: Bearer $at"
is "$STATUS" 200 "admin logs out"

is "$(http_code /healthz)" 200 "healthz still 200"
done_testing

#!/usr/bin/env bash
# t0210-sessions.sh - ending sessions: the list of one's sessions (kind,
# times, user agent, this-session marker; never a token or its hash), logging
# one out or every other one (a cached session stops working at once),
# another person's session is out of reach; changing one's password (the
# sign-up rules, a wrong current password counts toward the login lockout,
# every other session ends); idle sessions expire; the same on the pages.
source "$(dirname "$0")/lib.sh"

FIREFOX='Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0'
IPHONE='Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1'
jpost() { req POST "$1" -H 'Content-Type: application/json' --data "$2" "${@:3}"; }
login_as() { # NAME PASSWORD [curl args]: sets STATUS, and T (the token)
	jpost /api/v1/sessions "{\"username\":\"$1\",\"password\":\"$2\"}" "${@:3}"
	T="$(json .token)"
}
me_status() { http_code /api/v1/me -H "Authorization: Bearer $1"; }
hash_of() { python3 -c 'import hashlib,sys; print(hashlib.blake2b(sys.argv[1].encode(), digest_size=32).hexdigest())' "$1"; }

name="$(uniq_name sess)"
pw="correct horse $name"
new_user "$name"
t1="$TOKEN"
login_as "$name" "$pw" -A "$FIREFOX"
t2="$T"
login_as "$name" "$pw" -A "$IPHONE"
t3="$T"
for t in "$t1" "$t2" "$t3"; do is "$(me_status "$t")" 200 "each token works (and is now cached)"; done
is "$(sql "SELECT COUNT(*) FROM sessions WHERE user_id = $USER_ID AND kind = 'api' AND last_seen_at > 0")" 3 \
	"sessions opened through the API are stored as kind api, with a last use"

# ---- the list ---------------------------------------------------------------
call GET /api/v1/sessions "$t2"
is "$STATUS" 200 "GET /api/v1/sessions: 200"
is "$(json '.sessions | length')" 3 "... lists the three sessions"
is "$(json '[.sessions[] | select(.current)] | length')" 1 "... one marked current"
is "$(json '.sessions[0].current')" true "... listed first"
is "$(json '.sessions[] | select(.current) | .device')" "Firefox on Linux" "... the current one is this Firefox on Linux"
is "$(json '.sessions[] | select(.current) | .user_agent')" "$FIREFOX" "... with its user agent"
is "$(json '[.sessions[] | .device] | sort | join(",")')" "Firefox on Linux,Safari on iOS,curl" \
	"... each with a summary of its user agent"
is "$(json '[.sessions[] | .kind] | unique | join(",")')" api "... each of kind api"
like "$(json '.sessions[0].created_at')" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "... created_at as an ISO time"
like "$(json '.sessions[0].last_seen_at')" '^[0-9]{4}-' "... last_seen_at"
like "$(json '.sessions[0].expires_at')" '^[0-9]{4}-' "... expires_at"
like "$(json '.sessions[0].id')" '^[0-9]+$' "... a public id"
for t in "$t1" "$t2" "$t3"; do
	unlike "$BODY" "$t" "the list holds no token"
	unlike "${BODY,,}" "$(hash_of "$t")" "the list holds no token hash"
	unlike "${BODY,,}" "$(hash_of "$t" | cut -c1-16)" "... nor a prefix of one"
done
id1="$(sql "SELECT id FROM sessions WHERE LOWER(HEX(token_hash)) = '$(hash_of "$t1")'")"
id3="$(sql "SELECT id FROM sessions WHERE LOWER(HEX(token_hash)) = '$(hash_of "$t3")'")"
req GET /api/v1/sessions
is "$STATUS" 401 "the list needs a login"

# ---- log one out ------------------------------------------------------------
other="$(uniq_name other)"
new_user "$other"
tother="$TOKEN"
call DELETE "/api/v1/sessions/$id1" "$tother"
is "$STATUS" 404 "another person's session: 404"
is "$(me_status "$t1")" 200 "... and it still works"
call DELETE /api/v1/sessions/999999999999 "$t2"
is "$STATUS" 404 "an unknown session: 404"
call DELETE /api/v1/sessions/abc "$t2"
is "$STATUS" 404 "a session id that is not a number: 404"
req DELETE "/api/v1/sessions/$id1" -b "imagier_session=$t2"
is "$STATUS" 403 "a cookie session must send its CSRF token"
call DELETE "/api/v1/sessions/$id1" "$t2"
is "$STATUS" 200 "DELETE /api/v1/sessions/{id}: 200"
is "$(json .logged_out)" true "... logged_out"
is "$(json .current)" false "... not the current one"
is "$(me_status "$t1")" 401 "the logged-out token fails at once, though it was cached"
is "$(mc_dump | grep -c "^imagier:sess:$(hash_of "$t1")	gone$")" 1 \
	"its cached copy says it is gone (a request that read it just before cannot cache it again)"
call DELETE "/api/v1/sessions/$id1" "$t2"
is "$STATUS" 404 "the same session again: 404"
call GET /api/v1/sessions "$t2"
is "$(json '.sessions | length')" 2 "two sessions left"

# ---- log out everywhere else ------------------------------------------------
login_as "$name" "$pw"
t4="$T"
is "$(me_status "$t4")" 200 "a fourth session (cached)"
call DELETE /api/v1/sessions/others "$t2"
is "$STATUS" 200 "DELETE /api/v1/sessions/others: 200"
is "$(json .sessions_ended)" 2 "... two others ended"
is "$(me_status "$t3")" 401 "the others fail at once"
is "$(me_status "$t4")" 401 "... every one of them"
is "$(me_status "$t2")" 200 "this session goes on"
is "$(me_status "$tother")" 200 "another person's sessions are untouched"
call GET /api/v1/sessions "$t2"
is "$(json '.sessions | length')" 1 "only this session is left"
id2="$(json '.sessions[0].id')"
call DELETE /api/v1/sessions/others "$t2"
is "$(json .sessions_ended)" 0 "again: nothing to end"

# Ending this very session by its id is logging out.
call DELETE "/api/v1/sessions/$id2" "$t2"
is "$STATUS" 200 "ending one's own current session by id: 200"
is "$(json .current)" true "... says it was the current one"
is "$(me_status "$t2")" 401 "... and the token is logged out"

# ---- change the password (API) ----------------------------------------------
login_as "$name" "$pw"
ta="$T"
login_as "$name" "$pw"
tb="$T"
is "$(me_status "$tb")" 200 "another session, cached"
newpw="a brand new secret $name"
call POST /api/v1/me/password "$ta" '{"current_password":"wrong password 1","new_password":"a brand new secret"}'
is "$STATUS" 403 "a wrong current password: 403"
is "$(json .error.code)" wrong_password "... wrong_password"
is "$(sql "SELECT SUM(n) FROM rate_limits WHERE k = 'login:u:$name'")" 1 \
	"... counted as a failed login of the account"
call POST /api/v1/me/password "$ta" "{\"current_password\":\"$pw\",\"new_password\":\"short\"}"
is "$STATUS" 400 "a short new password: 400"
is "$(json .error.code)" weak_password "... weak_password (the sign-up rules)"
call POST /api/v1/me/password "$ta" "{\"current_password\":\"$pw\",\"new_password\":\"$name\"}"
is "$(json .error.code)" weak_password "the username as the new password: weak_password"
call POST /api/v1/me/password "$ta" "{\"current_password\":\"$pw\",\"new_password\":\"$pw\"}"
is "$STATUS" 400 "the same password again: 400"
is "$(json .error.code)" same_password "... same_password"
call POST /api/v1/me/password "$ta" "{\"current_password\":\"$pw\",\"new_password\":\"$newpw\",\"new_password2\":\"x$newpw\"}"
is "$(json .error.code)" password_mismatch "new_password2 differing: password_mismatch"
call POST /api/v1/me/password "$ta" "{\"current_password\":\"$pw\"}"
is "$(json .error.code)" missing_field "no new password: missing_field"
req POST /api/v1/me/password -H 'Content-Type: application/json' --data "{\"current_password\":\"$pw\",\"new_password\":\"$newpw\"}"
is "$STATUS" 401 "anonymous: 401"
req POST /api/v1/me/password -b "imagier_session=$ta" -H 'Content-Type: application/json' \
	--data "{\"current_password\":\"$pw\",\"new_password\":\"$newpw\"}"
is "$STATUS" 403 "a cookie session without its CSRF token: 403"
is "$(me_status "$tb")" 200 "nothing changed yet"
call POST /api/v1/me/password "$ta" "{\"current_password\":\"$pw\",\"new_password\":\"$newpw\"}"
is "$STATUS" 200 "POST /api/v1/me/password: 200"
is "$(json .changed)" true "... changed"
is "$(json .sessions_ended)" 1 "... one other session ended"
is "$(me_status "$tb")" 401 "the other session fails at once, though it was cached"
is "$(me_status "$ta")" 200 "the session that changed it goes on"
login_as "$name" "$pw"
is "$STATUS" 401 "the old password no longer logs in"
login_as "$name" "$newpw"
is "$STATUS" 200 "the new one does"

# The lockout: wrong current passwords count with failed logins, and once
# the account is locked even the right one is refused.
lname="$(uniq_name lock)"
new_user "$lname"
lt="$TOKEN"
limit=10
for ((i = 0; i < limit; i++)); do
	call POST /api/v1/me/password "$lt" '{"current_password":"not it at all","new_password":"another fine password"}'
done
is "$STATUS" 403 "ten wrong current passwords: each 403"
call POST /api/v1/me/password "$lt" "{\"current_password\":\"correct horse $lname\",\"new_password\":\"another fine password\"}"
is "$STATUS" 429 "then even the right one: 429"
is "$(json .error.code)" rate_limited "... rate_limited"
is "$(header retry-after)" 900 "... with Retry-After"
login_as "$lname" "correct horse $lname"
is "$STATUS" 429 "and logging in as that account is locked too"

# ---- idle and last use ------------------------------------------------------
iname="$(uniq_name idle)"
new_user "$iname"
tn="$TOKEN"
login_as "$iname" "correct horse $iname"
ti="$T" # never used yet: not cached
sql "UPDATE sessions SET last_seen_at = UNIX_TIMESTAMP() - 15 * 86400 WHERE LOWER(HEX(token_hash)) = '$(hash_of "$ti")'"
is "$(me_status "$ti")" 401 "a session unused for 15 days has ended (idle limit 14 days)"
login_as "$iname" "correct horse $iname"
tj="$T"
sql "UPDATE sessions SET last_seen_at = UNIX_TIMESTAMP() - 13 * 86400, user_agent = 'old' WHERE LOWER(HEX(token_hash)) = '$(hash_of "$tj")'"
is "$(http_code /api/v1/me -H "Authorization: Bearer $tj" -A "$FIREFOX")" 200 "one unused for 13 days still works"
is "$(sql "SELECT last_seen_at > UNIX_TIMESTAMP() - 60 FROM sessions WHERE LOWER(HEX(token_hash)) = '$(hash_of "$tj")'")" 1 \
	"... and its last use is now"
is "$(sql "SELECT user_agent FROM sessions WHERE LOWER(HEX(token_hash)) = '$(hash_of "$tj")'")" "$FIREFOX" \
	"... by the user agent that used it"
sql "UPDATE sessions SET last_seen_at = UNIX_TIMESTAMP() - 15 * 86400 WHERE LOWER(HEX(token_hash)) = '$(hash_of "$tn")'"
call GET /api/v1/sessions "$tj"
is "$(json '[.sessions[] | .device] | join(",")')" "Firefox on Linux" \
	"a session idle for 15 days is not listed, though its row is still there"
is "$(sql "SELECT COUNT(*) FROM sessions WHERE LOWER(HEX(token_hash)) = '$(hash_of "$ti")'")" 0 \
	"... and the next login removed it"
login_as "$iname" "correct horse $iname" -A $'evil\x01agent \xff'
is "$(sql "SELECT user_agent FROM sessions WHERE LOWER(HEX(token_hash)) = '$(hash_of "$T")'")" 'evil?agent ?' \
	"a user agent is stored as printable ASCII"

# ---- the pages --------------------------------------------------------------
JAR="$TMP/jar"
page() { req "$1" "$2" -b "$JAR" -c "$JAR" -A "$FIREFOX" "${@:3}"; }
form_csrf() { grep -o 'name="csrf" value="[^"]*"' <<<"$BODY" | head -1 | sed 's/.*value="//; s/"$//'; }
pname="$(uniq_name page)"
ppw="correct horse $pname"
page GET /signup
page POST /signup --data-urlencode "username=$pname" --data-urlencode "password=$ppw" --data-urlencode "csrf=$(form_csrf)"
is "$STATUS" 303 "sign up through the page"
is "$(sql "SELECT kind FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = '$pname'")" browser \
	"a session from a form is of kind browser"
login_as "$pname" "$ppw" -A "$IPHONE"
tp="$T"
is "$(me_status "$tp")" 200 "a second session, through the API"
page GET /settings
like "$BODY" 'href="/settings/password"' "the settings page links to the password form"
like "$BODY" 'href="/settings/sessions"' "... and to the sessions"
page GET /settings/sessions
is "$STATUS" 200 "GET /settings/sessions: 200"
like "$BODY" 'Firefox on Linux' "... names this browser"
like "$BODY" 'Safari on iOS' "... and the phone's"
like "$BODY" 'API token' "... says which is an API token"
like "$BODY" 'this session' "... marks this session"
like "$BODY" 'action="/settings/sessions/[0-9]+/logout"' "... a Log out button for each"
like "$BODY" 'action="/settings/sessions/logout-others"' "... and Log out everywhere else"
unlike "$BODY" "$tp" "... and no token"
csrf="$(form_csrf)"
page POST /settings/sessions/logout-others
is "$STATUS" 403 "logging out everywhere else without the CSRF token: 403"
is "$(me_status "$tp")" 200 "... nothing ended"
page POST /settings/sessions/logout-others --data-urlencode "csrf=$csrf"
is "$STATUS" 303 "Log out everywhere else: 303"
is "$(header location)" "/settings/sessions?ended=1" "... back to the list"
is "$(me_status "$tp")" 401 "... the API token is logged out"
page GET /settings/sessions?ended=1
like "$BODY" '1 other session was logged out' "the list says what happened"
like "$BODY" 'not logged in anywhere else' "... and that nothing else is left"

# The password form.
login_as "$pname" "$ppw"
tq="$T"
page GET /settings/password
is "$STATUS" 200 "GET /settings/password: 200"
like "$BODY" 'name="current_password"' "... asks for the current password"
like "$BODY" 'name="new_password2"' "... and the new one twice"
page POST /settings/password --data-urlencode "csrf=$csrf" --data-urlencode "current_password=wrong one here" \
	--data-urlencode "new_password=$ppw 2" --data-urlencode "new_password2=$ppw 2"
is "$STATUS" 403 "a wrong current password: 403"
like "$BODY" 'action="/settings/password"' "... shows the form again"
like "$BODY" 'not your current password' "... with the reason"
unlike "$BODY" 'wrong one here' "... and no password in it"
page POST /settings/password --data-urlencode "csrf=$csrf" --data-urlencode "current_password=$ppw" \
	--data-urlencode "new_password=$ppw 2" --data-urlencode "new_password2=$ppw 3"
is "$STATUS" 400 "the new passwords differ: 400"
like "$BODY" 'two new passwords differ' "... says so on the form"
unlike "$BODY" "$ppw" "... echoing no password"
page POST /settings/password --data-urlencode "csrf=$csrf" --data-urlencode "current_password=$ppw" \
	--data-urlencode "new_password=short" --data-urlencode "new_password2=short"
is "$STATUS" 400 "a weak new password: 400"
is "$(me_status "$tq")" 200 "the other session still works"
page POST /settings/password --data-urlencode "csrf=$csrf" --data-urlencode "current_password=$ppw" \
	--data-urlencode "new_password=$ppw 2" --data-urlencode "new_password2=$ppw 2"
is "$STATUS" 303 "the password changes: 303"
is "$(header location)" "/settings/password?ended=1" "... back to the form"
is "$(me_status "$tq")" 401 "... the other session ended"
page GET "/settings/password?ended=1"
like "$BODY" 'Your password was changed. 1 other session was logged out.' "... and the page says so"
page GET /settings/sessions
is "$STATUS" 200 "this browser is still logged in"
own="$(grep -o 'action="/settings/sessions/[0-9]*/logout"' <<<"$BODY" | head -1 | grep -o '[0-9]*')"
page POST "/settings/sessions/$own/logout" --data-urlencode "csrf=$csrf"
is "$STATUS" 303 "Log out of this very session: 303"
is "$(header location)" "/" "... home"
like "$(header set-cookie)" 'imagier_session=;' "... the cookie is cleared"
page GET /settings/sessions
is "$STATUS" 303 "... and the sessions page asks for a login"

# --- a login racing a password change never outlives it ---------------------------
# Logins with the old password run all along; whatever session one of them
# got, before the change or while it was being made, is dead afterwards.
rname="$(uniq_name racer)"
new_user "$rname"
rt=$TOKEN rpw="correct horse $rname"
racer() { # racer FILE: log in with the old password until race.stop exists
	while [[ ! -e "$TMP/race.stop" ]]; do
		curl -s --max-time 10 -H 'Content-Type: application/json' \
			--data "{\"username\":\"$rname\",\"password\":\"$rpw\"}" \
			"$IMAGIER_URL/api/v1/sessions" | jq -r '.token // empty' >>"$1"
	done
}
racers=()
for i in 1 2 3 4; do
	racer "$TMP/race.$i" &
	racers+=($!)
done
sleep 1
call POST /api/v1/me/password "$rt" "{\"current_password\":\"$rpw\",\"new_password\":\"another fine secret\"}"
is "$STATUS" 200 "the password is changed while old-password logins run"
sleep 1
touch "$TMP/race.stop"
wait "${racers[@]}"
got=0 alive=0
while read -r t; do
	[[ -n "$t" ]] || continue
	got=$((got + 1))
	[[ "$(me_status "$t")" == 200 ]] && alive=$((alive + 1))
done < <(cat "$TMP"/race.*)
ok "$( ((got > 0)); echo $?)" "the old password opened sessions before the change ($got)"
is "$alive" 0 "... and not one of them works after it"
is "$(me_status "$rt")" 200 "the session that changed it goes on"

done_testing

#!/usr/bin/env bash
# t1800-ratelimits.sh - rate limits per account and per address. With the
# pool restarted on small limits: the like, comment, report, post, avatar,
# signup and login over a limit get 429 rate_limited with Retry-After (whole seconds)
# and write nothing; a new account is limited sooner than an old one; another
# account from the same address meets the address limit; a moderator is not
# limited; the HTML forms get a 429 page. Without memcached, signups are
# still counted (in MariaDB) while likes are let through. The limits the
# suite runs with are put back at the end (and on any exit).
# single box: restarts the one pool with small limits.
source "$(dirname "$0")/lib.sh"

STACK="${IMAGIER_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tools/stack.sh"
RUN="$IMAGIER_VAR/run"
ADDR=127.0.0.1

LIMIT_VARS=()
for l in POST_PER_HOUR GENERATE_PER_HOUR COMMENT_PER_HOUR LIKE_PER_HOUR REPORT_PER_DAY \
	FOLLOW_PER_HOUR AVATAR_PER_HOUR; do
	LIMIT_VARS+=("IMAGIER_LIMITS_$l" "IMAGIER_LIMITS_${l}_ADDR")
done
LIMIT_VARS+=(IMAGIER_LIMITS_LOGIN_PER_5MIN_ADDR IMAGIER_LIMITS_SIGNUP_PER_HOUR_ADDR
	IMAGIER_LIMITS_NEW_ACCOUNT_HOURS IMAGIER_LIMITS_NEW_ACCOUNT_DIVISOR)
declare -A SAVED=()
for v in "${LIMIT_VARS[@]}"; do [[ -v $v ]] && SAVED[$v]="${!v}"; done

# rl_clear: forget this address's counts (memcached and MariaDB), so that
# what the suite did before does not count against the small limits.
rl_clear() {
	local now keys=() spec class win n
	now=$(date +%s)
	for spec in post:3600 generate:3600 comment:3600 like:3600 follow:3600 avatar:3600 signup:3600 \
		report:86400 login:300; do
		class=${spec%%:*} win=${spec##*:} n=$((now / win))
		keys+=("imagier:rl:$class:a:$ADDR:$n" "imagier:rl:$class:a:$ADDR:$((n - 1))")
	done
	mc_delete "${keys[@]}"
	sql "DELETE FROM rate_limits WHERE k LIKE 'rl:%'" >/dev/null
}
mc_running() { kill -0 "$(cat "$RUN/memcached.pid" 2>/dev/null)" 2>/dev/null; }
RESTORED=0
restore() {
	((RESTORED)) && return 0
	RESTORED=1
	local v
	for v in "${LIMIT_VARS[@]}"; do
		if [[ -n "${SAVED[$v]+x}" ]]; then export "$v=${SAVED[$v]}"; else unset "$v"; fi
	done
	mc_running || "$STACK" start >"$TMP/start-mc.log" 2>&1
	"$STACK" restart-fcgi >"$TMP/restore.log" 2>&1
	local rc=$?
	rl_clear
	return $rc
}
trap 'restore; rm -rf "$TMP"' EXIT

retry_after_ok() { [[ "$(header retry-after)" =~ ^[1-9][0-9]*$ ]]; }
# refused DESCRIPTION: the last request was refused by a rate limit
refused() {
	is "$STATUS" 429 "$1: 429"
	is "$(json .error.code)" rate_limited "... code rate_limited"
	ok "$(retry_after_ok; echo $?)" "... Retry-After is a positive number of seconds ($(header retry-after))"
}
like_post() { req PUT "/api/v1/posts/$2/like" -H "Authorization: Bearer $1"; }
comment() {
	req POST "/api/v1/posts/$2/comments" -H "Authorization: Bearer $1" \
		-H 'Content-Type: application/json' --data "{\"text\":\"$3\"}"
}
report() {
	req POST /api/v1/reports -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
		--data "{\"target_type\":\"post\",\"target_id\":$2,\"reason\":\"spam\"}"
}
login() {
	req POST /api/v1/sessions -H 'Content-Type: application/json' \
		--data "{\"username\":\"$1\",\"password\":\"correct horse $1\"}"
}
signup() {
	req POST /api/v1/accounts -H 'Content-Type: application/json' \
		--data "{\"username\":\"$1\",\"password\":\"correct horse $1\"}"
}

# ---- people and posts, under the suite's limits ------------------------------
rl_clear
new_user "$(uniq_name rlauthor)"
posts=()
for i in 1 2 3 4 5 6 7 8; do
	upload "$(image png 64 64 $((180 + i)))" "rate limit target $i"
	posts+=("$(json .post.id)")
done
is "${#posts[@]}:$STATUS" "8:201" "eight posts to like and report"

newbie="$(uniq_name rlnew)"
new_user "$newbie"
u1=$TOKEN
u1_id="$(sql "SELECT id FROM users WHERE username = '$newbie'")"
login_jar "$newbie" "$TMP/jar"
jar_csrf=$JAR_CSRF

oldie="$(uniq_name rlold)"
new_user "$oldie"
sql "UPDATE users SET created_at = created_at - 3 * 86400 WHERE username = '$oldie'"
login "$oldie" # a new token: its session is read afresh, with the old date
u2=$(json .token)

modname="$(uniq_name rlmod)"
new_user "$modname"
sql "UPDATE users SET role = 'moderator' WHERE username = '$modname'"
login "$modname"
mod=$(json .token)
is "$(json .user.role)" moderator "a moderator"

# ---- small limits --------------------------------------------------------------
export IMAGIER_LIMITS_NEW_ACCOUNT_HOURS=24 IMAGIER_LIMITS_NEW_ACCOUNT_DIVISOR=2
export IMAGIER_LIMITS_LIKE_PER_HOUR=6 IMAGIER_LIMITS_LIKE_PER_HOUR_ADDR=0
export IMAGIER_LIMITS_COMMENT_PER_HOUR=4 IMAGIER_LIMITS_COMMENT_PER_HOUR_ADDR=0
export IMAGIER_LIMITS_REPORT_PER_DAY=4 IMAGIER_LIMITS_REPORT_PER_DAY_ADDR=0
export IMAGIER_LIMITS_POST_PER_HOUR=100 IMAGIER_LIMITS_POST_PER_HOUR_ADDR=3
export IMAGIER_LIMITS_SIGNUP_PER_HOUR_ADDR=3 IMAGIER_LIMITS_LOGIN_PER_5MIN_ADDR=4
export IMAGIER_LIMITS_AVATAR_PER_HOUR=3 IMAGIER_LIMITS_AVATAR_PER_HOUR_ADDR=0
"$STACK" restart-fcgi >"$TMP/restart.log" 2>&1
is "$?" 0 "the pool restarts with small limits"
rl_clear

# ---- likes: 3 for a new account (6 / 2), 6 for an old one ---------------------
for i in 0 1 2; do like_post "$u1" "${posts[$i]}"; done
is "$STATUS" 200 "a new account's third like in the hour: 200"
likes_before=$(sql "SELECT COUNT(*) FROM likes")
like_post "$u1" "${posts[3]}"
refused "its fourth like"
like "$(json .error.message)" '^You have made 3 likes in the last hour; try again in [0-9]+ (second|minute|hour)s?\. New accounts have lower limits' \
	"... saying what, when, and why sooner"
is "$(sql "SELECT COUNT(*) FROM likes")" "$likes_before" "... and no like is stored"
is "$(sql "SELECT COUNT(*) FROM likes WHERE user_id = $u1_id AND post_id = ${posts[3]}")" 0 \
	"... not for that post either"
ra=$(header retry-after)
ok "$( ((ra <= 7200)); echo $?)" "... Retry-After at most two windows ($ra s)"

req POST "/p/${posts[4]}/like" -b "$TMP/jar" --data-urlencode "csrf=$jar_csrf" --data like=1
is "$STATUS" 429 "the like form (HTML) over the limit: 429"
like "$(header content-type)" '^text/html' "... an HTML page"
like "$BODY" 'role="alert">You have made 3 likes in the last hour' "... saying why"
ok "$(retry_after_ok; echo $?)" "... with Retry-After"

for i in 0 1 2 3 4 5; do like_post "$u2" "${posts[$i]}"; done
is "$STATUS" 200 "an old account's sixth like: 200 (a new one stopped at 3)"
like_post "$u2" "${posts[6]}"
refused "its seventh like"
like "$(json .error.message)" '^You have made 6 likes in the last hour; try again in' "... the full limit"
unlike "$(json .error.message)" 'New accounts' "... without the new-account note"

codes=""
for p in "${posts[@]}"; do
	like_post "$mod" "$p"
	codes+="$STATUS "
done
is "$codes" "200 200 200 200 200 200 200 200 " "a moderator's eight likes: all 200"

# ---- comments: 2 for a new account ----------------------------------------------
comment "$u1" "${posts[0]}" "first"
comment "$u1" "${posts[0]}" "second"
is "$STATUS" 201 "a new account's second comment: 201"
comments_before=$(sql "SELECT COUNT(*) FROM comments")
comment "$u1" "${posts[0]}" "third"
refused "its third comment"
like "$(json .error.message)" '^You have made 2 comments in the last hour' "... naming comments"
is "$(sql "SELECT COUNT(*) FROM comments")" "$comments_before" "... and no comment is stored"
comment "$u2" "${posts[0]}" "another person"
is "$STATUS" 201 "another account still comments (the limit is per account here)"

# ---- reports: 2 a day for a new account ----------------------------------------
report "$u1" "${posts[0]}"
report "$u1" "${posts[1]}"
is "$STATUS" 201 "a new account's second report: 201"
reports_before=$(sql "SELECT COUNT(*) FROM reports")
report "$u1" "${posts[2]}"
refused "its third report"
like "$(json .error.message)" '^You have made 2 reports in the last day' "... in the last day"
is "$(sql "SELECT COUNT(*) FROM reports")" "$reports_before" "... and no report is stored"

# ---- avatars: 3 an hour for an old account; a bio is not an avatar ---------------
for i in 1 2 3; do
	req PUT /api/v1/me/avatar -H "Authorization: Bearer $u2" -F "avatar=@$(image png 64 64 $((190 + i)))"
done
is "$STATUS" 200 "an account's third avatar in the hour: 200"
avatar_before="$(sql "SELECT avatar_image_id FROM users WHERE username = '$oldie'")"
media_before="$(count_media)"
req PUT /api/v1/me/avatar -H "Authorization: Bearer $u2" -F "avatar=@$(image png 64 64 194)"
refused "its fourth avatar"
like "$(json .error.message)" '^You have made 3 avatar changes in the last hour' "... saying what"
is "$(sql "SELECT avatar_image_id FROM users WHERE username = '$oldie'")" "$avatar_before" \
	"... the avatar stays"
is "$(count_media)" "$media_before" "... and no file is written"
req PATCH /api/v1/me -H "Authorization: Bearer $u2" -H 'Content-Type: application/json' \
	--data '{"bio":"still here"}'
is "$STATUS" 200 "a bio alone is not limited by it"

# ---- posts: 3 an hour from one address, whoever posts -----------------------------
TOKEN=$u2
for i in 1 2 3; do upload "$(image png 48 48 $((190 + i)))" "from one address $i"; done
is "$STATUS" 201 "the address's third post: 201"
posts_before=$(count_rows posts)
media_before=$(count_media)
upload "$(image png 48 48 194)" "one too many"
refused "the fourth post from the address"
like "$(json .error.message)" '^There have been 3 posts from your address in the last hour' \
	"... naming the address"
TOKEN=$u1
upload "$(image png 48 48 195)" "another account, same address"
refused "another account's post from the same address"
is "$(count_rows posts)" "$posts_before" "... no post is stored"
is "$(count_media)" "$media_before" "... no file is written"
TOKEN=$mod
upload "$(image png 48 48 196)" "a moderator from the same address"
is "$STATUS" 201 "a moderator still posts from that address"

# ---- signups: 3 an hour from one address ------------------------------------------
for i in 1 2 3; do signup "$(uniq_name rlsign)"; done
is "$STATUS" 201 "the address's third signup in the hour: 201"
users_before=$(count_rows users)
signup "$(uniq_name rlsign)"
refused "the fourth signup"
like "$(json .error.message)" '^There have been 3 signups from your address in the last hour' \
	"... naming signups"
req GET /signup -c "$TMP/anon"
anon_csrf="$(grep -o 'name="csrf" value="[^"]*"' <<<"$BODY" | head -1 | sed 's/.*value="//; s/"$//')"
name="$(uniq_name rlform)"
req POST /signup -b "$TMP/anon" --data-urlencode "username=$name" \
	--data-urlencode "password=correct horse $name" --data-urlencode "csrf=$anon_csrf"
is "$STATUS" 429 "the signup form (HTML) over the limit: 429"
like "$BODY" '<form method="post" action="/signup"' "... shows the form again"
like "$BODY" 'role="alert">There have been 3 signups from your address' "... with the reason"
like "$BODY" "value=\"$name\"" "... and the name typed"
ok "$(retry_after_ok; echo $?)" "... and Retry-After"
is "$(count_rows users)" "$users_before" "no account is created by a refused signup"

# ---- logins: 4 attempts in 5 minutes from one address -----------------------------
rl_clear
for i in 1 2 3 4; do login "$oldie"; done
is "$STATUS" 200 "the fourth login in 5 minutes: 200"
login "$oldie"
refused "the fifth login attempt"
like "$(json .error.message)" '^There have been 4 login attempts from your address in the last 5 minutes' \
	"... naming login attempts"

# ---- without memcached: signups counted in MariaDB, likes let through --------------
rl_clear
mc="$(cat "$RUN/memcached.pid")"
kill -TERM "$mc"
ok "$(wait_until 10 bash -c "! kill -0 $mc 2>/dev/null"; echo $?)" "memcached stopped"
for i in 1 2 3; do signup "$(uniq_name rlnomc)"; done
is "$STATUS" 201 "without memcached: the third signup: 201"
users_before=$(count_rows users)
signup "$(uniq_name rlnomc)"
refused "without memcached: the fourth signup"
is "$(count_rows users)" "$users_before" "... creates no account"
is "$(sql "SELECT SUM(n) FROM rate_limits WHERE k = 'rl:signup:a:$ADDR'")" 3 \
	"... the three are counted in rate_limits"
like_post "$u1" "${posts[3]}"
is "$STATUS" 200 "without memcached: a like over the limit is let through"

# ---- the suite's limits come back ----------------------------------------------
restore
is "$?" 0 "the pool restarts with the suite's limits (and memcached runs)"
ok "$(mc_running; echo $?)" "memcached runs again"
like_post "$u1" "${posts[5]}"
is "$STATUS" 200 "a like passes again"

done_testing

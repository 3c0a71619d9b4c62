#!/usr/bin/env bash
# t9000-degrade.sh - losing the backing services (runs last): without
# memcached the site keeps working (healthz says "cache":"down") and the
# feed shows new posts once it is back; without MariaDB every request gets
# a clean 503 (JSON from the API, never a 502 or a crash) and sessions
# survive the outage; both recover when the services return. An upload or
# an avatar refused for want of the database leaves no file behind.
# single box: stops and starts the one MariaDB and memcached of its stack (t3100 and t3200 kill a cluster's).
source "$(dirname "$0")/lib.sh"

STACK="${IMAGIER_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tools/stack.sh"
RUN="$IMAGIER_VAR/run"
# health_says KEY VALUE: three /healthz in a row (several workers) agree.
health_says() {
	local i
	for i in 1 2 3; do
		req GET /healthz
		[[ "$(json ".$1")" == "$2" ]] || return 1
	done
}
# gone PID: the process has exited.
gone() { ! kill -0 "$1" 2>/dev/null; }

name="$(uniq_name survivor)"
new_user "$name"
isnt "$TOKEN" null "a logged-in user"
upload "$(image jpeg 300 200 31)" "before the outage"
is "$STATUS" 201 "an upload before the outage"
before_id="$(json .post.id)"
# a cookie session too, to check that outages do not log people out
req POST /api/v1/sessions -H 'Content-Type: application/json' \
	--data "{\"username\":\"$name\",\"password\":\"correct horse $name\"}"
COOKIE="$(json .token)"

# ---- memcached hiccups: a post made meanwhile still reaches the feed ----------
mc="$(cat "$RUN/memcached.pid")"
like "$mc" '^[0-9]+$' "memcached runs (pid $mc)"
feed_top() {
	req GET /api/v1/feed -H "Authorization: Bearer $TOKEN"
	[[ "$(json '.items[0].id')" == "$1" ]]
}
ok "$(feed_top "$before_id"; echo $?)" "the feed (now cached in memcached) shows the newest post"
# Frozen memcached: every worker times out on it and stops using it for
# cache.retry seconds; a post made right after must still bump the feed.
kill -STOP "$mc"
for i in 1 2 3 4 5 6; do
	curl -s -o /dev/null --max-time 10 -H "Authorization: Bearer $TOKEN" "$IMAGIER_URL/api/v1/feed" &
done
wait
kill -CONT "$mc"
upload "$(image png 120 80 30)" "during a memcached hiccup"
is "$STATUS" 201 "an upload right after a memcached hiccup"
hiccup_id="$(json .post.id)"
ok "$(wait_until 10 feed_top "$hiccup_id"; echo $?)" "... shows in the feed within 10 s (not after the cache TTL)"
before_id="$hiccup_id"

# ---- a like toggled while the workers think memcached is away -----------------
# The post's cached copy (imagier:post:ID, kept 600 s) must be dropped by the
# like even when the worker that takes it still counts memcached as down
# (cache.retry seconds after a failure): tried at once, or owed and paid
# within seconds, never left to the TTL.
OWNER_TOKEN="$TOKEN"
new_user "$(uniq_name liker)"
LIKER="$TOKEN"
TOKEN="$OWNER_TOKEN"
# feed_likes ID: the like count the owner's feed shows for ID.
feed_likes() {
	req GET /api/v1/feed -H "Authorization: Bearer $OWNER_TOKEN"
	json ".items[] | select(.id == $1) | .like_count"
}
feed_agrees() { [[ "$(feed_likes "$1")" == "$(db_likes "$1")" ]]; }
db_likes() { sql "SELECT like_count FROM posts WHERE id = $1"; }
# cached_likes ID: the like count in memcached's copy of post ID (empty: none).
cached_likes() { "$IMAGIER_BIN/imagier" cache-post "$1" 2>/dev/null | jq -r '.like_count // empty' 2>/dev/null; }
# cached_current ID: the feed has put a current copy of post ID in memcached.
cached_current() {
	feed_likes "$1" >/dev/null
	[[ "$(cached_likes "$1")" == "$(db_likes "$1")" ]]
}
# cache_not_stale ID: memcached has no copy of post ID, or a current one.
cache_not_stale() {
	local c
	c="$(cached_likes "$1")"
	[[ -z "$c" || "$c" == "$(db_likes "$1")" ]]
}
for round in 1 2 3; do
	[[ $((round % 2)) == 1 ]] && method=PUT || method=DELETE
	ok "$(wait_until 20 cached_current "$before_id"; echo $?)" "round $round: the post's copy is in memcached"
	# every worker times out on a frozen memcached and marks it down
	kill -STOP "$mc"
	for i in 1 2 3 4 5 6 7 8 9; do
		curl -s -o /dev/null --max-time 10 -H "Authorization: Bearer $OWNER_TOKEN" "$IMAGIER_URL/api/v1/feed" &
	done
	wait
	kill -CONT "$mc"
	req "$method" "/api/v1/posts/$before_id/like" -H "Authorization: Bearer $LIKER"
	is "$STATUS" 200 "round $round: $method like right after memcached came back: 200"
	is "$(json .changed)" true "round $round: ... it changed the count"
	ok "$(wait_until 20 cache_not_stale "$before_id"; echo $?)" \
		"round $round: ... memcached's copy of the post is dropped within 20 s (not left for its 600 s TTL)"
done
sleep 6 # past cache.retry: every worker reads memcached again
ok "$(wait_until 10 feed_agrees "$before_id"; echo $?)" "the feed shows the database's like count"

# ---- memcached goes away ----------------------------------------------------
kill -TERM "$mc"
ok "$(wait_until 10 gone "$mc"; echo $?)" "memcached stopped"
ok "$(wait_until 10 health_says cache down; echo $?)" "healthz reports \"cache\":\"down\""
req GET /healthz
is "$STATUS" 200 "healthz is still 200 without memcached"
is "$(json .db)" ok "healthz: db still ok"
req GET "/api/v1/feed" -H "Authorization: Bearer $TOKEN"
is "$STATUS" 200 "the API feed works without memcached"
is "$(json '.items[0].id')" "$before_id" "... and is current"
req GET "/p/$before_id" -b "imagier_session=$COOKIE"
is "$STATUS" 200 "a post page works without memcached"
like "$BODY" 'during a memcached hiccup' "... showing the post"
req GET "/?cursor=$((before_id + 1))" -H "Authorization: Bearer $TOKEN"
is "$STATUS" 200 "the feed page works without memcached"
like "$BODY" "href=\"/p/$before_id\"" "... listing the post"
upload "$(image png 300 200 32)" "during the memcached outage"
is "$STATUS" 201 "an upload works without memcached"
during_id="$(json .post.id)"
req GET "/api/v1/feed" -H "Authorization: Bearer $TOKEN"
is "$(json '.items[0].id')" "$during_id" "the feed shows the new post"
req POST /api/v1/sessions -H 'Content-Type: application/json' \
	--data "{\"username\":\"$name\",\"password\":\"correct horse $name\"}"
is "$STATUS" 200 "logging in works without memcached"
fails="$(for i in $(seq 20); do http_code /api/v1/feed -H "Authorization: Bearer $TOKEN"; echo; done | grep -cv '^200$')"
is "$fails" 0 "20 more requests without memcached: all 200"

# ---- memcached returns ------------------------------------------------------
"$STACK" start >"$TMP/start-mc.log" 2>&1
is "$?" 0 "tools/stack.sh start brings memcached back"
mc2="$(cat "$RUN/memcached.pid" 2>/dev/null)"
ok "$(kill -0 "$mc2" 2>/dev/null; echo $?)" "memcached runs again (pid $mc2)"
ok "$(wait_until 10 health_says cache ok; echo $?)" "healthz says \"cache\":\"ok\" again within 10 s"
req GET "/api/v1/feed" -H "Authorization: Bearer $TOKEN"
is "$(json '.items[0].id')" "$during_id" "the feed is current after memcached is back"
upload "$(image png 300 200 33)" "after memcached is back"
after_id="$(json .post.id)"
req GET "/api/v1/feed" -H "Authorization: Bearer $TOKEN"
is "$(json '.items[0].id')" "$after_id" "a new post shows in the feed at once"

# A worker that saw memcached fail leaves it alone for [cache] retry seconds
# (5) before trying again; /healthz above only told the workers it reached.
# Outlast that window so every worker reads the cache again (a lower bound:
# a slower machine only makes it longer).
sleep 6
req GET "/api/v1/feed" -H "Authorization: Bearer $TOKEN"

# ---- MariaDB goes away ------------------------------------------------------
db_pid="$(cat "$RUN/mysqld.pid")"
mariadb-admin --socket="$RUN/mysqld.sock" -u "$(id -un)" shutdown >/dev/null 2>&1
is "$?" 0 "mariadb-admin shutdown"
ok "$(wait_until 60 gone "$db_pid"; echo $?)" "mariadbd stopped"
req GET /healthz
is "$STATUS" 503 "healthz is 503 without the database"
is "$(json .db)" down "healthz: \"db\":\"down\""
like "$(header content-type)" '^application/json' "healthz: still JSON"
ok "$(health_says db down; echo $?)" "every worker says \"db\":\"down\""
req GET "/api/v1/posts/$((after_id + 1000))"
is "$STATUS" 503 "GET /api/v1/posts/ID without the database: 503"
like "$(header content-type)" '^application/json' "... JSON"
is "$(json .error.code)" unavailable "... code unavailable"
req GET "/api/v1/feed?kind=latest" -H "Authorization: Bearer $TOKEN"
is "$STATUS" 200 "the first feed page is still served from memcached"
is "$(json '.items[0].id')" "$after_id" "... and is current"
req GET "/api/v1/feed?cursor=$before_id" -H "Authorization: Bearer $TOKEN"
is "$STATUS" 503 "an uncached feed page without the database: 503"
is "$(json .error.code)" unavailable "... code unavailable"
req GET /api/v1/me -H "Authorization: Bearer $TOKEN"
is "$STATUS" 200 "/api/v1/me without the database: the session is known from memcached"
is "$(json .user.username)" "$name" "... as the right person"
media_before="$(count_media)"
upload "$(image png 700 500 34)" "during the database outage"
is "$STATUS" 503 "an upload without the database: 503, not 401"
is "$(json .error.code)" unavailable "... code unavailable"
is "$(count_media)" "$media_before" "... and the files it stored are removed at once (no orphans)"
req PUT /api/v1/me/avatar -H "Authorization: Bearer $TOKEN" -F "avatar=@$(image png 600 600 36)"
is "$STATUS" 503 "an avatar without the database: 503"
is "$(count_media)" "$media_before" "... and its files are removed at once"
req POST /api/v1/sessions -H 'Content-Type: application/json' \
	--data "{\"username\":\"$name\",\"password\":\"correct horse $name\"}"
is "$STATUS" 503 "logging in without the database: 503"
is "$(json .error.code)" unavailable "... code unavailable"
req POST /api/v1/accounts -H 'Content-Type: application/json' \
	--data "{\"username\":\"$(uniq_name nodb)\",\"password\":\"correct horse battery\"}"
is "$STATUS" 503 "signing up without the database: 503"
req GET "/p/$((after_id + 1000))"
is "$STATUS" 503 "a page without the database: 503"
like "$(header content-type)" '^text/html' "... an HTML error page"
req GET "/p/$before_id" -b "imagier_session=$COOKIE"
is "$STATUS" 503 "a page with a session cookie: 503"
is "$(header set-cookie)" "" "... and the session cookie is not cleared"
codes="$(for i in $(seq 10); do http_code "/api/v1/posts/$((after_id + 2000 + i))"; echo; done | sort | uniq -c | awk '{print $2"x"$1}' | tr '\n' ' ')"
is "$codes" "503x10 " "10 API requests without the database: all 503 (no 502)"
is "$(grep -c 'imagier-fcgi' <<<"$(ps -o comm= --ppid "$(fcgi_master)")")" "${IMAGIER_SERVER_WORKERS:-3}" "no worker died"

# ---- MariaDB returns --------------------------------------------------------
"$STACK" start >"$TMP/start-db.log" 2>&1
is "$?" 0 "tools/stack.sh start brings MariaDB back"
ok "$(wait_until 15 healthz_is 200; echo $?)" "healthz is 200 again"
ok "$(health_says db ok; echo $?)" "every worker says \"db\":\"ok\""
req GET /api/v1/me -b "imagier_session=$COOKIE"
is "$STATUS" 200 "the cookie session survived the outage"
req GET /api/v1/me -H "Authorization: Bearer $TOKEN"
is "$STATUS" 200 "the bearer session survived the outage"
upload "$(image png 100 100 35)" "after the database is back"
is "$STATUS" 201 "uploads work again"
req GET "/api/v1/feed" -H "Authorization: Bearer $TOKEN"
is "$(json '.items[0].id')" "$(sql 'SELECT MAX(id) FROM posts')" "the feed is current"
done_testing

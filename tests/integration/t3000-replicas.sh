#!/usr/bin/env bash
# t3000-replicas.sh - MariaDB replicas (issue 13), on a private stack of its
# own: a primary with a binary log (IMAGIER_DB_LISTEN) and one replica
# started from empty by tools/stack.sh replica, with the pool told of the
# replica ([db] replicas). Reads outside a transaction go to the replica;
# a request sees every write made before it, a person's own included, even
# while the replica is behind (a row lock on the replica holds its SQL
# thread: the replica waits for the primary's position, then the primary
# answers); a replica that dies is skipped; with the
# primary gone, writes answer 503 read_only with a sentence while reads go
# on from the replica and pages say the site is read-only.
source "$(dirname "$0")/lib.sh"

ROOT="${IMAGIER_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
STACK="$ROOT/tools/stack.sh"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Short var dirs: unix socket paths must stay under 108 bytes.
P="$(mktemp -d /tmp/imrp.XXXXXX)"
R="$(mktemp -d /tmp/imrr.XXXXXX)"
web=$(free_port)
pdb=$(free_port)
rdb=$(free_port)
holder=""
cleanup() {
	[[ -n $holder ]] && kill "$holder" 2>/dev/null
	IMAGIER_VAR=$R "$STACK" stop >/dev/null 2>&1
	IMAGIER_VAR=$P "$STACK" stop >/dev/null 2>&1
	rm -rf "$P" "$R" "$TMP"
}
trap cleanup EXIT

primary_start() {
	IMAGIER_VAR=$P IMAGIER_PORT=$web IMAGIER_DB_LISTEN=$pdb IMAGIER_DB_REPLICAS="$R/run/mysqld.sock" \
		IMAGIER_DB_REPLICA_WAIT_MS=200 IMAGIER_SUPERVISE="" "$STACK" start >"$TMP/primary.log" 2>&1
}
primary_start
is "$?" 0 "a primary with a binary log starts (tools/stack.sh start, IMAGIER_DB_LISTEN)"
rpw="$(cat "$P/repl-password")"
like "$rpw" '^[0-9a-f]{32}$' "  ... and a replication password in its var dir (repl-password)"
IMAGIER_VAR=$R IMAGIER_DB_LISTEN=$rdb IMAGIER_DB_SERVER_ID=2 IMAGIER_DB_PRIMARY="127.0.0.1:$pdb" \
	IMAGIER_DB_REPL_PASSWORD="$rpw" "$STACK" replica >"$TMP/replica.log" 2>&1
is "$?" 0 "a replica starts from an empty data directory and catches up (tools/stack.sh replica)"

# From here the helpers of lib.sh talk to the private stack.
IMAGIER_URL="http://127.0.0.1:$web"
IMAGIER_VAR=$P
rsql() { mariadb --socket="$R/run/mysqld.sock" -u "$(id -un)" -N -B imagier -e "$1" 2>/dev/null; }
# SELECTs the replica ran (prepared ones too): a request that reads there
# runs its wait for the primary's position, then its own reads.
replica_selects() { rsql "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'COM_SELECT'"; }

is "$(rsql 'SELECT COUNT(*) > 0 FROM users')" 1 "the replica has the primary's rows (the admin)"

alice="$(uniq_name rpa)"
new_user "$alice"
A=$TOKEN
upload "$(image png 64 64 41)" "a lighthouse on a replica"
is "$STATUS" 201 "alice posts (on the primary)"
post="$(json .post.id)"
ok "$(wait_until 10 eval "[[ \$(rsql 'SELECT COUNT(*) FROM posts WHERE id = $post') == 1 ]]"; echo $?)" \
	"  ... and the post reaches the replica"

# Reads go to the replica: pages of the feed under cursors no one asked for
# before (so neither nginx nor memcached holds them) are read there.
before="$(replica_selects)"
codes=""
for i in 1 2 3 4 5; do
	req GET "/api/v1/feed?kind=latest&cursor=$((post + i))"
	codes+="$STATUS "
done
after="$(replica_selects)"
is "$codes" "200 200 200 200 200 " "anonymous reads answer"
# (the one SELECT our own counting runs is there too)
ok "$((after - before - 1 >= 10 ? 0 : 1))" "  ... from the replica: its wait and its reads, $((after - before - 1)) SELECTs there for 5 pages"

# ---- read-your-writes while the replica is behind -------------------------------
# A session on the replica holds the post's row, so the replica cannot apply
# alice's like (its SQL thread waits on the lock) and falls behind.
mkfifo "$TMP/hold"
(mariadb --socket="$R/run/mysqld.sock" -u "$(id -un)" -N -B imagier <"$TMP/hold" >/dev/null 2>&1) &
holder=$!
exec 8>"$TMP/hold"
echo "BEGIN; SELECT id FROM posts WHERE id = $post FOR UPDATE;" >&8
ok "$(wait_until 10 eval "[[ \$(rsql 'SELECT COUNT(*) FROM information_schema.INNODB_TRX') -ge 1 ]]"; echo $?)" \
	"a session on the replica holds the post's row"
likes_before="$(rsql "SELECT like_count FROM posts WHERE id = $post")"
TOKEN=$A
api PUT "/api/v1/posts/$post/like"
is "$STATUS" 200 "alice likes her post (the primary)"
api GET "/api/v1/posts/$post"
is "$(json .post.liked_by_me)/$(json .post.like_count)" "true/$((likes_before + 1))" \
	"alice's next read sees her like at once"
is "$(rsql "SELECT like_count FROM posts WHERE id = $post")" "$likes_before" \
	"  ... though the replica has not applied it yet (its SQL thread waits on a lock)"
echo "ROLLBACK;" >&8
exec 8>&-
wait "$holder" 2>/dev/null
holder=""
ok "$(wait_until 10 eval "[[ \$(rsql 'SELECT like_count FROM posts WHERE id = $post') == $((likes_before + 1)) ]]"; echo $?)" \
	"  ... and catches up once the lock goes"

# ---- a replica that dies is skipped -----------------------------------------------
IMAGIER_VAR=$R "$STACK" stop >/dev/null 2>&1
codes=""
for i in 1 2 3 4 5; do
	req GET "/api/v1/feed?kind=latest&cursor=$((post + 10 + i))"
	codes+="$STATUS "
done
is "$codes" "200 200 200 200 200 " "with the replica dead, reads answer from the primary"
IMAGIER_VAR=$R IMAGIER_DB_LISTEN=$rdb IMAGIER_DB_SERVER_ID=2 IMAGIER_DB_PRIMARY="127.0.0.1:$pdb" \
	IMAGIER_DB_REPL_PASSWORD="$rpw" "$STACK" replica >"$TMP/replica2.log" 2>&1
is "$?" 0 "the replica comes back and catches up"

# ---- the primary gone: read-only --------------------------------------------------
kill -9 "$(cat "$P/run/mysqld.pid")"
ok "$(wait_until 10 eval "! kill -0 $(cat "$P/run/mysqld.pid") 2>/dev/null"; echo $?)" "the primary is killed"
sleep 1.2 # a second for the workers to read the replica's state again
req GET "/api/v1/feed?kind=latest&cursor=$((post + 20))"
is "$STATUS" 200 "reads go on from the replica"
TOKEN=$A
api POST "/api/v1/posts/$post/comments" '{"text":"still here?"}'
is "$STATUS/$(json .error.code)" "503/read_only" "a write answers 503 read_only"
like "$(json .error.message)" "read-only" "  ... with a sentence that says so"
req GET "/?ro=$RANDOM"
like "$BODY" "imagier is read-only for a few minutes" "a page says the site is read-only for now"
like "$(header x-cache)" "miss|bypass|^$" "  ... and nginx did not serve it from its microcache"
req GET /healthz
is "$STATUS/$(json .db)" "200/read_only" "/healthz: up, read-only"
primary_start
is "$?" 0 "the primary comes back"
# (each worker looks at the primary again within a second)
comment_back() {
	api POST "/api/v1/posts/$post/comments" '{"text":"back again"}'
	[[ $STATUS == 201 ]]
}
ok "$(wait_until 10 comment_back; echo $?)" "writes work again"
req GET "/?back=$RANDOM"
unlike "$BODY" "read-only for a few minutes" "  ... and pages no longer say read-only"

done_testing

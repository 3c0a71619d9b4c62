# tests/integration/cluster_lib.sh - what the cluster tests share: a
# cluster of their own (tools/cluster.sh) and a fault under load.
# shellcheck shell=bash disable=SC2034

ROOT="${IMAGIER_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
CL="$(mktemp -d /tmp/imcl.XXXXXX)"
web=$(free_port)
export IMAGIER_CLUSTER=$CL IMAGIER_PORT=$web IMAGIER_SITE_BASE_URL="http://127.0.0.1:$web"
export IMAGIER_SUPERVISE="mariadb memcached fcgi gen nginx" IMAGIER_GEN_MAX_IN_FLIGHT=20
# workers that live through the faults (the suite recycles them after 150)
export IMAGIER_SERVER_MAX_REQUESTS=100000
# the cluster's own media tree, not the one a surrounding cluster run names
MEDIA=$CL/shared/media
cleanup() {
	"$ROOT/tools/cluster.sh" stop >/dev/null 2>&1
	rm -rf "$CL" "$TMP"
}
trap cleanup EXIT

# cluster_up: start it; from here lib.sh's helpers talk to it (sql() to
# host a's database).
cluster_up() {
	"$ROOT/tools/cluster.sh" start >"$TMP/start.log" 2>&1
	is "$?" 0 "the cluster starts (tools/cluster.sh start)" || sed 's/^/# /' "$TMP/start.log" | tail -n 30
	IMAGIER_URL="http://127.0.0.1:$web"
	IMAGIER_VAR=$CL/a
}
# served PATTERN HOST: how many requests of host HOST's pool matched.
served() { grep -c "$1" "$CL/$2/log/fcgi.log"; }
pid_of_host() { cat "$CL/$1/run/$2.pid"; }

# fault NAME KILLCMD: 4 writers-and-readers for 8 s, KILLCMD after 2 s.
# Afterwards every acknowledged comment is in the primary exactly once, no
# write failed after its retries, every read answered 200, each writer read
# its own comment back, and the post's comment count (cached) is right.
total=0
fault() {
	local name=$1 tag out
	shift
	tag="f$RANDOM$RANDOM"
	python3 "$ROOT/tests/integration/cluster_load.py" "$IMAGIER_URL" "$LOAD_TOKEN" "$LOAD_POST" "$tag" 8 4 >"$TMP/load.json" &
	local lp=$!
	sleep 2
	"$@"
	wait "$lp"
	out="$(cat "$TMP/load.json")"
	local acked dup lost failed reads bad ryw
	acked="$(jq '.acked | length' <<<"$out")"
	ok "$((acked > 0 ? 0 : 1))" "$name: $acked comments acknowledged in 8 s (retried: $(jq -c .retries <<<"$out"); the longest write, retries included, $(jq .longest_write_ms <<<"$out") ms)"
	jq -r '.acked[] | .[0]' <<<"$out" | sort -n >"$TMP/acked"
	sql "SELECT id FROM comments WHERE post_id = $LOAD_POST AND text LIKE '$tag %' ORDER BY id" >"$TMP/stored"
	lost=$(comm -23 "$TMP/acked" "$TMP/stored" | wc -l)
	is "$lost" 0 "  ... none of them lost"
	dup="$(sql "SELECT COUNT(*) FROM (SELECT text FROM comments WHERE post_id = $LOAD_POST AND text LIKE '$tag %' GROUP BY text HAVING COUNT(*) > 1) d")"
	is "$dup" 0 "  ... none stored twice (retries with the same Idempotency-Key)"
	failed="$(jq -c '.writes_failed' <<<"$out")"
	is "$failed" "[]" "  ... no write failed for good"
	reads="$(jq -c '.reads' <<<"$out")"
	bad="$(jq '[.reads | to_entries[] | select(.key != "200") | .value] | add // 0' <<<"$out")"
	is "$bad" 0 "  ... every read answered 200 ($reads)"
	ryw="$(jq '.ryw_missing' <<<"$out")"
	is "$ryw" 0 "  ... and each writer read its own comment back"
	total=$((total + acked))
	# Not stale once the part is back: the post's count (a cached copy)
	# is the database's.
	local want
	want="$(sql "SELECT COUNT(*) FROM comments WHERE post_id = $LOAD_POST AND deleted = 0")"
	wait_until 10 eval "req GET /api/v1/posts/$LOAD_POST -H 'Authorization: Bearer $LOAD_TOKEN'; [[ \$(json .post.comment_count) == $want ]]"
	req GET "/api/v1/posts/$LOAD_POST" -H "Authorization: Bearer $LOAD_TOKEN"
	is "$(json .post.comment_count)" "$want" "  ... and the post's comment count is the database's"
}


#!/usr/bin/env bash
# t3100-cluster.sh - imagier as a cluster (issue 13), the reduced form run by
# make test: tools/cluster.sh on loopback, two hosts sharing one media tree
# (host a: the primary, memcached, a pool, imagier-gen, nginx; host b: a
# replica, memcached, a pool, imagier-gen). Both pools answer, sessions and
# rate limits hold whichever answers, media and generations are shared and
# no job runs twice. Then the faults, each under a write-and-read load whose
# acknowledged writes are checked afterwards: the replica, a memcached, a
# pool and the primary are killed (SIGKILL) and come back by their hosts'
# supervisors. Nothing acknowledged is lost or doubled, reads keep
# answering, and no page is stale once the killed part is back.
source "$(dirname "$0")/lib.sh"

ROOT="${IMAGIER_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
CL="$(mktemp -d /tmp/imcl.XXXXXX)"
web=$(free_port)
export IMAGIER_CLUSTER=$CL IMAGIER_PORT=$web IMAGIER_SITE_BASE_URL="http://127.0.0.1:$web"
export IMAGIER_SUPERVISE="mariadb memcached fcgi gen nginx" IMAGIER_GEN_MAX_IN_FLIGHT=20
# workers that live through the faults (the suite recycles them after 150)
export IMAGIER_SERVER_MAX_REQUESTS=100000
cleanup() {
	"$ROOT/tools/cluster.sh" stop >/dev/null 2>&1
	rm -rf "$CL" "$TMP"
}
trap cleanup EXIT

"$ROOT/tools/cluster.sh" start >"$TMP/start.log" 2>&1
is "$?" 0 "the cluster starts (tools/cluster.sh start)" || sed 's/^/# /' "$TMP/start.log" | tail -n 30
IMAGIER_URL="http://127.0.0.1:$web"
IMAGIER_VAR=$CL/a # sql() talks to the primary
bsql() { mariadb --socket="$CL/b/run/mysqld.sock" -u "$(id -un)" -N -B imagier -e "$1" 2>/dev/null; }
served() { grep -c "$1" "$CL/$2/log/fcgi.log"; }

# ---- both pools, one site ---------------------------------------------------
alice="$(uniq_name cla)"
new_user "$alice"
A=$TOKEN
codes=""
for _ in $(seq 1 12); do
	req GET /api/v1/me -H "Authorization: Bearer $A"
	codes+="$STATUS "
done
is "$codes" "$(printf '200 %.0s' $(seq 1 12))" "a session made on one pool is good on both"
ok "$((($(served 'GET /api/v1/me' a) > 0 && $(served 'GET /api/v1/me' b) > 0) ? 0 : 1))" \
	"  ... and both pools answered ($(served 'GET /api/v1/me' a) on a, $(served 'GET /api/v1/me' b) on b)"

upload "$(image png 64 64 71)" "a harbour at dawn, shared"
is "$STATUS" 201 "an upload is accepted"
post="$(json .post.id)"
src="$(json ".post.image.sizes | to_entries[0].value.jpeg")"
req GET "$src"
is "$STATUS" 200 "  ... and its image is served"
is "$(find "$CL/shared/media" -type f | wc -l | awk '{print ($1 > 0)}')" 1 "  ... from the shared media tree"
is "$(find "$CL/a/media" "$CL/b/media" -type f 2>/dev/null | wc -l)" 0 "  ... and from neither host's own var dir"

# The replica has the post too (both pools read there).
ok "$(wait_until 10 eval "[[ \$(bsql 'SELECT COUNT(*) FROM posts WHERE id = $post') == 1 ]]"; echo $?)" \
	"the post reaches the replica"

# ---- generations: both workers take jobs, none runs twice -------------------
jobs=()
for i in $(seq 1 8); do
	req POST /api/v1/generations -H "Authorization: Bearer $A" -H 'Content-Type: application/json' \
		--data "{\"prompt\":\"a cluster of lighthouses number $i\"}"
	[[ $STATUS == 202 ]] && jobs+=("$(json .generation.id)")
done
is "${#jobs[@]}" 8 "8 generations are queued"
ids="$(
	IFS=,
	echo "${jobs[*]}"
)"
ok "$(wait_until 60 eval "[[ \$(sql \"SELECT COUNT(*) FROM generations WHERE id IN ($ids) AND status = 'succeeded'\") == 8 ]]"; echo $?)" \
	"  ... and all 8 succeed"
is "$(sql "SELECT COUNT(*) FROM generations WHERE id IN ($ids) AND attempts = 1")" 8 "  ... each at its first attempt"
ran=0
for j in "${jobs[@]}"; do
	n=$(cat "$CL/a/log/gen.log" "$CL/b/log/gen.log" | grep -c "gen: job $j done")
	((n == 1)) && ran=$((ran + 1))
done
is "$ran" 8 "  ... each run by exactly one worker (a: $(grep -c 'gen: job .* done' "$CL/a/log/gen.log"), b: $(grep -c 'gen: job .* done' "$CL/b/log/gen.log"))"

# ---- faults under load --------------------------------------------------------
# fault NAME KILLCMD: 4 writers-and-readers for 8 s, KILLCMD after 2 s.
# Afterwards every acknowledged comment is in the primary exactly once, no
# write failed after its retries, every read answered 200, each writer read
# its own comment back, and the post's comment count (cached) is right.
bob="$(uniq_name clb)"
new_user "$bob"
B=$TOKEN
total=0
fault() {
	local name=$1 tag out
	shift
	tag="f$RANDOM$RANDOM"
	python3 "$ROOT/tests/integration/cluster_load.py" "$IMAGIER_URL" "$B" "$post" "$tag" 8 4 >"$TMP/load.json" &
	local lp=$!
	sleep 2
	"$@"
	local t0
	t0=$(date +%s%N)
	wait "$lp"
	out="$(cat "$TMP/load.json")"
	local acked dup lost failed reads bad ryw
	acked="$(jq '.acked | length' <<<"$out")"
	ok "$((acked > 0 ? 0 : 1))" "$name: $acked comments acknowledged under load (retried: $(jq -c .retries <<<"$out"))"
	jq -r '.acked[] | .[0]' <<<"$out" | sort -n >"$TMP/acked"
	sql "SELECT id FROM comments WHERE post_id = $post AND text LIKE '$tag %' ORDER BY id" >"$TMP/stored"
	lost=$(comm -23 "$TMP/acked" "$TMP/stored" | wc -l)
	is "$lost" 0 "  ... none of them lost"
	dup="$(sql "SELECT COUNT(*) FROM (SELECT text FROM comments WHERE post_id = $post AND text LIKE '$tag %' GROUP BY text HAVING COUNT(*) > 1) d")"
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
	local want got
	want="$(sql "SELECT COUNT(*) FROM comments WHERE post_id = $post AND deleted = 0")"
	wait_until 10 eval "req GET /api/v1/posts/$post -H 'Authorization: Bearer $A'; [[ \$(json .post.comment_count) == $want ]]"
	req GET "/api/v1/posts/$post" -H "Authorization: Bearer $A"
	is "$(json .post.comment_count)" "$want" "  ... and the post's comment count is the database's"
}

pid_of_host() { cat "$CL/$1/run/$2.pid"; }
kill_replica() { kill -9 "$(pid_of_host b mysqld)"; }
kill_memcached() { kill -9 "$(pid_of_host b memcached)"; }
kill_pool() { kill -9 -- "-$(pid_of_host b fcgi)"; }
kill_primary() { kill -9 "$(pid_of_host a mysqld)"; }

fault "replica killed" kill_replica
fault "memcached b killed" kill_memcached
# The pools took it out of the ring, and put it back (flushed) once its
# supervisor had started it again.
pool_log() { cat "$CL/a/log/fcgi.log" "$CL/b/log/fcgi.log" | grep -c "memcached $CL/b/run/memcached.sock is $1"; }
ok "$(($(pool_log 'out of the pool') > 0 ? 0 : 1))" "  ... the pools took it out of the ring ($(pool_log 'out of the pool') workers)"
ok "$(wait_until 15 eval "(( \$(pool_log 'back in the pool') > 0 ))"; echo $?)" \
	"  ... and put it back when it answered again ($(pool_log 'back in the pool') workers)"
fault "pool b killed" kill_pool
fault "primary killed" kill_primary

# Everything is back by itself.
ok "$(wait_until 30 "$ROOT/tools/cluster.sh" status; echo $?)" "every part of both hosts runs again (the supervisors)"
is "$(sql "SELECT COUNT(*) FROM comments WHERE post_id = $post")" \
	"$(wait_until 10 eval "[[ \$(bsql 'SELECT COUNT(*) FROM comments WHERE post_id = $post') == \$(sql 'SELECT COUNT(*) FROM comments WHERE post_id = $post') ]]"
	bsql "SELECT COUNT(*) FROM comments WHERE post_id = $post")" \
	"the replica has caught up with every comment ($total under load)"

done_testing

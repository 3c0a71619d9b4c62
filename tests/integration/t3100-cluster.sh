#!/usr/bin/env bash
# t3100-cluster.sh - imagier as a cluster (issue 13), the reduced form run by
# make test: tools/cluster.sh on loopback, two hosts sharing one media tree
# (host a: the primary, memcached, a pool, imagier-gen, nginx; host b: a
# replica, memcached, a pool, imagier-gen). Both pools answer, sessions and
# rate limits hold whichever answers, media and generations are shared and
# no job runs twice. Then the faults, each under a write-and-read load whose
# acknowledged writes are checked afterwards: the replica, a memcached, a
# pool and the primary are killed (SIGKILL) and come back by their hosts'
# supervisors, and the primary is stopped (SIGSTOP) for 4 s. Nothing acknowledged is lost or doubled, reads keep
# answering, and no page is stale once the killed part is back.
source "$(dirname "$0")/lib.sh"

source "$(dirname "$0")/cluster_lib.sh"
# a limit the test reaches: 4 reports a day, new accounts alike
export IMAGIER_LIMITS_REPORT_PER_DAY=4 IMAGIER_LIMITS_NEW_ACCOUNT_DIVISOR=1
cluster_up
bsql() { mariadb --socket="$CL/b/run/mysqld.sock" -u "$(id -un)" -N -B imagier -e "$1" 2>/dev/null; }

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

# A cookie session's CSRF token is checked by whichever pool answers: the
# site secret and the session are the same on both.
# bio_codes TOKEN BIO: the statuses of 4 bio changes by alice's cookie
# session with that CSRF token (nginx alternates the pools).
bio_codes() {
	local codes=""
	for _ in 1 2 3 4; do
		req PATCH /api/v1/me -b "imagier_session=$A" -H "X-CSRF-Token: $1" \
			-H 'Content-Type: application/json' --data "{\"bio\":\"$2\"}"
		codes+="$STATUS "
	done
	echo "$codes"
}
is "$(bio_codes "$CSRF" "harbours, mostly")" "200 200 200 200 " \
	"a cookie session's write with its CSRF token passes on both pools"
is "$(bio_codes "${CSRF}x" forged)" "403 403 403 403 " "  ... and a wrong token fails on both"

# Rate limits count in memcached, whichever pool answers: the fifth report
# of the day is refused.
codes=""
for i in 1 2 3 4 5; do
	new_user "$(uniq_name clr$i)"
	target=$USER_ID
	req POST /api/v1/reports -H "Authorization: Bearer $A" -H 'Content-Type: application/json' \
		--data "{\"target_type\":\"user\",\"target_id\":$target,\"reason\":\"spam\"}"
	codes+="$STATUS "
done
is "$codes" "201 201 201 201 429 " "a rate limit holds across both pools (4 reports a day)"
ok "$((($(served 'POST /api/v1/reports' a) > 0 && $(served 'POST /api/v1/reports' b) > 0) ? 0 : 1))" \
	"  ... counted on both ($(served 'POST /api/v1/reports' a) on a, $(served 'POST /api/v1/reports' b) on b)"
sign_in "$alice"
A=$TOKEN

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
bob="$(uniq_name clb)"
new_user "$bob"
LOAD_TOKEN=$TOKEN LOAD_POST=$post
# no_fault: the load alone; meanwhile the replica's lag behind the primary
# is sampled every 0.2 s (in transactions: the GTIDs' sequence numbers).
no_fault() {
	local i p r lag max=0
	for i in $(seq 1 20); do
		p="$(sql 'SELECT @@gtid_binlog_pos')"
		r="$(bsql 'SELECT @@gtid_slave_pos')"
		lag=$((${p##*-} - ${r##*-}))
		((lag > max)) && max=$lag
		sleep 0.2
	done
	echo "$max" >"$TMP/lag"
}
kill_replica() { kill -9 "$(pid_of_host b mysqld)"; }
kill_memcached() { kill -9 "$(pid_of_host b memcached)"; }
kill_pool() { kill -9 -- "-$(pid_of_host b fcgi)"; }
kill_primary() { kill -9 "$(pid_of_host a mysqld)"; }

fault "no fault" no_fault
ok "$(($(cat "$TMP/lag") >= 0 ? 0 : 1))" "  ... the replica at most $(cat "$TMP/lag") transactions behind under that load"
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
# A primary that stops answering without going away (stopped, or its host
# cut off) for 4 s: its connections time out (3 s), reads go on from the
# replica, writes wait with 503 read_only.
stop_primary() {
	kill -STOP "$(pid_of_host a mysqld)"
	sleep 4
	kill -CONT "$(pid_of_host a mysqld)"
}
fault "primary stopped for 4 s" stop_primary

# Everything is back by itself.
ok "$(wait_until 30 "$ROOT/tools/cluster.sh" status; echo $?)" "every part of both hosts runs again (the supervisors)"
is "$(sql "SELECT COUNT(*) FROM comments WHERE post_id = $post")" \
	"$(wait_until 10 eval "[[ \$(bsql 'SELECT COUNT(*) FROM comments WHERE post_id = $post') == \$(sql 'SELECT COUNT(*) FROM comments WHERE post_id = $post') ]]"
	bsql "SELECT COUNT(*) FROM comments WHERE post_id = $post")" \
	"the replica has caught up with every comment ($total under load)"

done_testing

#!/usr/bin/env bash
# t0600-pool.sh - the imagier-fcgi process pool: pre-forked workers are
# recycled after max_requests, a killed worker is replaced, SIGHUP swaps
# every worker without failing a request; and the same binary runs under
# spawn-fcgi (socket on fd 0) and systemd socket activation (LISTEN_FDS),
# answering FastCGI requests and stopping cleanly on SIGTERM.
source "$(dirname "$0")/lib.sh"

master="$(fcgi_master)"
like "$master" '^[0-9]+$' "the pool master's pid file ($IMAGIER_VAR/run/fcgi.pid)"
is "$(ps -o comm= -p "$master")" imagier-fcgi "... names a running imagier-fcgi"
nworkers="${IMAGIER_SERVER_WORKERS:-3}"
maxreq="${IMAGIER_SERVER_MAX_REQUESTS:-150}"
# a worker may still be starting after an earlier test: wait for the full pool
wait_until 5 eval '(( $(fcgi_workers | wc -l) == nworkers ))'
workers0="$(fcgi_workers)"
is "$(wc -l <<<"$workers0")" "$nworkers" "the master has $nworkers workers"
bad=0
for w in $workers0; do [[ "$(ps -o comm= -p "$w")" == imagier-fcgi ]] || bad=1; done
is "$bad" 0 "the workers are imagier-fcgi processes"

log0="$(stat -c %s "$IMAGIER_VAR/log/fcgi.log" 2>/dev/null || echo 0)"

# many N PATH [curl args]: one curl, one connection, N requests; prints the status codes.
many() {
	local n="$1" path="$2" urls=() i
	shift 2
	for ((i = 0; i < n; i++)); do urls+=(-o /dev/null "$IMAGIER_URL$path"); done
	curl -s -w '%{http_code}\n' --max-time 60 "$@" "${urls[@]}"
}
# count_not_200 FILE: how many lines are not 200
count_not_200() { grep -cv '^200$' "$1"; }

# ---- recycling after max_requests -------------------------------------------
# nworkers * maxreq + 10 requests: by pigeonhole at least one worker must
# reach max_requests and be replaced.
n=$((nworkers * maxreq + 10))
if ((n <= 3000)); then
	many "$n" /healthz >"$TMP/codes"
	is "$(wc -l <"$TMP/codes")" "$n" "$n sequential requests were answered"
	is "$(count_not_200 "$TMP/codes")" 0 "... all with 200"
	wait_until 5 eval '(( $(fcgi_workers | wc -l) == nworkers ))'
	workers1="$(fcgi_workers)"
	is "$(wc -l <<<"$workers1")" "$nworkers" "still $nworkers workers"
	gone="$(comm -23 <(echo "$workers0") <(echo "$workers1") | wc -l)"
	ok "$( ((gone >= 1)); echo $?)" "worker pids changed: $gone recycled after $maxreq requests"
	is "$(tail -c +$((log0 + 1)) "$IMAGIER_VAR/log/fcgi.log" | grep -c 'died')" 0 "recycled workers exited cleanly (no 'died' in the log)"
else
	skip "recycling" "max_requests=$maxreq is too high to reach here"
fi
new_user "$(uniq_name pool)"
many 20 /api/v1/feed -H "Authorization: Bearer $TOKEN" >"$TMP/codes"
is "$(count_not_200 "$TMP/codes")" 0 "the recycled pool serves the API"

# ---- a killed worker is replaced --------------------------------------------
workers1="$(fcgi_workers)"
victim="$(head -1 <<<"$workers1")"
kill -9 "$victim"
replaced() { ! grep -qx "$victim" <<<"$(fcgi_workers)" && (($(fcgi_workers | wc -l) == nworkers)); }
ok "$(wait_until 5 replaced; echo $?)" "kill -9 of worker $victim: a new worker takes its place"
ok "$(! kill -0 "$victim" 2>/dev/null; echo $?)" "the killed worker is gone (reaped, not a zombie child)"
is "$(ps -o stat= --ppid "$master" | grep -c Z)" 0 "no zombie workers"
many 30 /healthz >"$TMP/codes"
is "$(count_not_200 "$TMP/codes")" 0 "30 requests after the kill all succeed"
is "$(fcgi_master)" "$master" "the master is the same process"

# ---- quick successive kills: every slot is refilled ---------------------------
# Deaths close together (the second and third while the master is still
# dealing with the first) must each be reaped and replaced: the pool comes
# back to full size, with no zombie left, every time.
live_workers() { ps -o stat= --ppid "$master" 2>/dev/null | grep -cv '^Z'; }
zombies() { ps -o stat= --ppid "$master" 2>/dev/null | grep -c '^Z'; }
full_pool() { (($(live_workers) == nworkers && $(zombies) == 0)); }
for round in 1 2 3; do
	wait_until 10 full_pool
	for k in 1 2 3; do
		victim="$(fcgi_workers | head -1)"
		kill -9 "$victim" 2>/dev/null
		sleep 0.$((RANDOM % 3 + 1))
	done
	ok "$(wait_until 10 full_pool; echo $?)" "round $round: three quick kill -9s, the pool is back to $nworkers live workers, no zombie"
done
many 20 /healthz >"$TMP/codes"
is "$(count_not_200 "$TMP/codes")" 0 "20 requests after the kills all succeed"
is "$(fcgi_master)" "$master" "... from the same master"

# ---- SIGHUP: a new generation, no failed requests ---------------------------
workers2="$(fcgi_workers)"
# One connection per request, as browsers come and go; /healthz is never
# served from nginx's cache, so every request reaches a worker.
for ((i = 0; i < 200; i++)); do
	curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 "$IMAGIER_URL/healthz"
done >"$TMP/hup-codes" &
loop=$!
wait_until 10 eval '(( $(wc -l <"$TMP/hup-codes") >= 20 ))'
kill -HUP "$master"
at_hup="$(wc -l <"$TMP/hup-codes")"
wait "$loop"
ok "$( ((at_hup < 200)); echo $?)" "SIGHUP arrived while the requests ran ($at_hup of 200 done)"
is "$(wc -l <"$TMP/hup-codes")" 200 "200 requests during SIGHUP were all answered"
is "$(count_not_200 "$TMP/hup-codes")" 0 "... zero failed requests"
all_new() {
	local now
	now="$(fcgi_workers)"
	(($(wc -l <<<"$now") == nworkers)) && [[ -z "$(comm -12 <(echo "$workers2") <(echo "$now"))" ]]
}
ok "$(wait_until 10 all_new; echo $?)" "after SIGHUP every worker pid is new"
is "$(fcgi_workers | wc -l)" "$nworkers" "... and there are $nworkers of them"
is "$(fcgi_master)" "$master" "SIGHUP kept the master (and its socket)"
is "$(http_code /healthz)" 200 "healthz 200 after the reload"

# The pool's environment, plus a listen address of its own so that a pool
# that failed to see the inherited socket could never take over the stack's.
own_env=(IMAGIER_SERVER_LISTEN="unix:$TMP/not-used.sock" IMAGIER_SERVER_WORKERS=2)
# fcgi_get SOCKET PATH: one FastCGI GET with cgi-fcgi; prints the raw answer.
fcgi_get() {
	env -i REQUEST_METHOD=GET REQUEST_URI="$2" SCRIPT_NAME="$2" QUERY_STRING= \
		timeout 10 cgi-fcgi -bind -connect "$1" 2>/dev/null | tr -d '\r'
}
# stops PID WORKERS: SIGTERM, then wait until it and its workers have exited.
stops() {
	local pid="$1" w
	shift
	kill -TERM "$pid" 2>/dev/null
	wait_until 10 eval "! kill -0 $pid 2>/dev/null" || return 1
	for w in "$@"; do wait_until 5 eval "! kill -0 $w 2>/dev/null" || return 1; done
}

# ---- spawn-fcgi: the socket on fd 0 -----------------------------------------
env "${own_env[@]}" spawn-fcgi -n -s "$TMP/sf.sock" -- "$IMAGIER_BIN/imagier-fcgi" >"$TMP/sf.log" 2>&1 &
sf=$!
ok "$(wait_until 10 test -S "$TMP/sf.sock"; echo $?)" "spawn-fcgi created its socket"
wait_until 10 eval '(( $(ps -o pid= --ppid '"$sf"' | wc -l) == 2 ))'
out="$(fcgi_get "$TMP/sf.sock" /healthz)"
like "$out" '^Status: 200' "spawn-fcgi: a FastCGI GET /healthz gets Status: 200"
like "$out" $'\n\n\\{"db":"ok","cache":"ok","disk":"ok"\\}$' "spawn-fcgi: ... and the health JSON"
like "$out" 'Content-Type: application/json' "spawn-fcgi: ... as JSON"
out="$(fcgi_get "$TMP/sf.sock" /api/v1/nope)"
like "$out" '^Status: 404' "spawn-fcgi: an unknown path is 404"
like "$(cat "$TMP/sf.log")" 'inherited listening socket on fd 0' "spawn-fcgi: the pool used the socket on fd 0"
ok "$(! test -e "$TMP/not-used.sock"; echo $?)" "spawn-fcgi: the pool did not open a socket of its own"
mapfile -t sfw < <(ps -o pid= --ppid "$sf" | tr -d " ")
is "${#sfw[@]}" 2 "spawn-fcgi: the pool has its 2 workers"
ok "$(stops "$sf" "${sfw[@]}"; echo $?)" "spawn-fcgi: SIGTERM stops the master and its workers"
wait "$sf" 2>/dev/null
is "$?" 0 "spawn-fcgi: the master exits with status 0"

# A master that is killed outright takes its workers with it.
env "${own_env[@]}" spawn-fcgi -n -s "$TMP/sf2.sock" -- "$IMAGIER_BIN/imagier-fcgi" >"$TMP/sf2.log" 2>&1 &
sf2=$!
wait_until 10 eval '(( $(ps -o pid= --ppid '"$sf2"' | wc -l) == 2 ))'
mapfile -t sf2w < <(ps -o pid= --ppid "$sf2" | tr -d " ")
is "${#sf2w[@]}" 2 "a second spawn-fcgi pool with 2 workers"
{
	kill -9 "$sf2"
	wait "$sf2"
} 2>/dev/null # no "Killed" notice on stderr
all_gone() { local w; for w in "${sf2w[@]}"; do kill -0 "$w" 2>/dev/null && return 1; done; return 0; }
ok "$(wait_until 10 all_gone; echo $?)" "kill -9 of the master: its workers exit too (none left serving unsupervised)"
rm -f "$TMP/sf2.sock"

# ---- systemd socket activation: LISTEN_FDS ----------------------------------
setenv=()
for v in $(env | grep -o '^IMAGIER_[A-Z_]*' | sort -u); do setenv+=(-E "$v"); done
env "${own_env[@]}" systemd-socket-activate "${setenv[@]}" -E IMAGIER_SERVER_LISTEN -E IMAGIER_SERVER_WORKERS \
	-l "$TMP/sd.sock" "$IMAGIER_BIN/imagier-fcgi" >"$TMP/sd.log" 2>&1 &
sd=$!
ok "$(wait_until 10 test -S "$TMP/sd.sock"; echo $?)" "systemd-socket-activate listens"
out="$(fcgi_get "$TMP/sd.sock" /healthz)"
like "$out" '^Status: 200' "socket activation: a FastCGI GET /healthz gets Status: 200"
like "$out" $'\n\n\\{"db":"ok","cache":"ok","disk":"ok"\\}$' "socket activation: ... and the health JSON"
out="$(fcgi_get "$TMP/sd.sock" /api/v1/feed)"
like "$out" '^Status: 200' "socket activation: the feed answers too"
like "$(cat "$TMP/sd.log")" 'inherited listening socket on fd 3' "socket activation: the pool used LISTEN_FDS (fd 3)"
ok "$(! test -e "$TMP/not-used.sock"; echo $?)" "socket activation: no socket of its own"
is "$(ps -o comm= -p "$sd")" imagier-fcgi "socket activation: the activator exec'd imagier-fcgi in place"
mapfile -t sdw < <(ps -o pid= --ppid "$sd" | tr -d " ")
is "${#sdw[@]}" 2 "socket activation: 2 workers"
ok "$(stops "$sd" "${sdw[@]}"; echo $?)" "socket activation: SIGTERM stops the master and its workers"
wait "$sd" 2>/dev/null
is "$?" 0 "socket activation: the master exits with status 0"

is "$(http_code /healthz)" 200 "the stack's pool was not disturbed"
done_testing

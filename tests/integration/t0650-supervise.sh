#!/usr/bin/env bash
# t0650-supervise.sh - nothing stays dead: after tools/stack.sh start a
# supervisor restarts a killed pool master or imagier-gen (logged, in
# log/stack.log); under tools/stack.sh run the foreground script does the
# same instead of stopping the stack; while the pool is unreachable nginx
# answers API paths with JSON; and the systemd units of docs/OPERATIONS.md
# (tools/systemd/) are the documented ones and pass systemd-analyze verify.
# single box: kills and counts the parts of one stack under its own supervisor (t3100 and t3200 do it for a cluster).
source "$(dirname "$0")/lib.sh"

ROOT="${IMAGIER_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
STACK="$ROOT/tools/stack.sh"
RUN="$IMAGIER_VAR/run"
alive() { kill -0 "$1" 2>/dev/null; }
pidf() { cat "$RUN/$1.pid" 2>/dev/null; }
# restarted NAME OLD: NAME runs again under a new pid and the site is healthy.
restarted() {
	local p
	p="$(pidf "$1")"
	[[ -n "$p" && "$p" != "$2" ]] && alive "$p" && healthz_is 200
}

sup="$(pidf supervise)"
like "$sup" '^[0-9]+$' "start left a supervisor (run/supervise.pid)"
ok "$(alive "$sup"; echo $?)" "... and it runs"

# ---- while the pool is down, nginx answers the API in JSON --------------------
# The supervisor leaves the stack alone while another tools/stack.sh holds the
# lock; hold it so the pool stays down while we look.
master="$(fcgi_master)"
exec 7>"$RUN/stack.lock"
flock -w 60 7
kill -9 -- "-$master" # the master and its workers (its own session)
wait_until 10 eval "! alive $master"
req GET /api/v1/feed
is "$STATUS" 503 "pool down: an API path gets 503 from nginx"
like "$(header content-type)" '^application/json' "... as JSON"
is "$(json .error.code)" unavailable "... code unavailable, as the app says it"
# (a query of its own: nginx's microcache may hold a visitor's copy of / from
# an earlier test, and rightly serves it)
req GET "/?pool-down=$RANDOM$RANDOM"
is "$STATUS" 503 "pool down: a page gets 503"
like "$(header content-type)" '^text/html' "... an HTML page"
exec 7>&-

# ---- a killed pool master is restarted ----------------------------------------
ok "$(wait_until 20 restarted fcgi "$master"; echo $?)" "the supervisor restarted the killed pool (healthz 200 within 20 s)"
like "$(cat "$IMAGIER_VAR/log/stack.log")" 'supervise: fcgi is not running; restarting it' "... and said so in log/stack.log"
req GET /api/v1/feed
is "$STATUS" 200 "the API answers again"

# ---- a killed imagier-gen is restarted ------------------------------------------
if [[ -n "$(pidf gen)" ]]; then
	gen="$(pidf gen)"
	kill -9 "$gen"
	ok "$(wait_until 20 restarted gen "$gen"; echo $?)" "the supervisor restarted the killed imagier-gen"
fi

# ---- tools/stack.sh run supervises in the foreground ----------------------------
"$STACK" run >"$TMP/run.log" 2>&1 &
runner=$!
ok "$(wait_until 20 eval "grep -q 'in the foreground' $TMP/run.log"; echo $?)" "tools/stack.sh run takes over the running stack"
ok "$(wait_until 10 eval "! alive $sup"; echo $?)" "... and the background supervisor leaves"
master="$(fcgi_master)"
kill -9 -- "-$master"
ok "$(wait_until 20 restarted fcgi "$master"; echo $?)" "run: a killed pool is restarted"
ok "$(alive "$runner"; echo $?)" "run: ... and the stack keeps running"
like "$(cat "$TMP/run.log")" 'supervise: fcgi is not running; restarting it' "run: ... said so"
# Leave the stack as start leaves it: the runner goes without stopping it,
# and start brings its background supervisor back.
kill -9 "$runner"
wait "$runner" 2>/dev/null
"$STACK" start >"$TMP/start.log" 2>&1
is "$?" 0 "tools/stack.sh start again"
ok "$(alive "$(pidf supervise)"; echo $?)" "... a supervisor runs again"
is "$(http_code /healthz)" 200 "the stack is healthy"

# ---- the systemd units ------------------------------------------------------------
# Each ```ini block after "`/etc/systemd/system/NAME`:" in docs/OPERATIONS.md
# is tools/systemd/NAME, byte for byte.
python3 - "$ROOT/docs/OPERATIONS.md" "$TMP/doc-units" <<'PY'
import os, re, sys
os.makedirs(sys.argv[2], exist_ok=True)
s = open(sys.argv[1]).read()
for m in re.finditer(r"`/etc/systemd/system/([\w.-]+)`:\n\n```ini\n(.*?)```", s, re.S):
    open(os.path.join(sys.argv[2], m.group(1)), "w").write(m.group(2))
PY
is "$(ls "$TMP/doc-units" | tr '\n' ' ')" "imagier-fcgi.service imagier-fcgi.socket imagier-gen.service " "docs/OPERATIONS.md shows three units"
ok "$(diff -r "$TMP/doc-units" "$ROOT/tools/systemd" >&2; echo $?)" "... exactly the files in tools/systemd/"
# systemd-analyze verify checks the files as systemd would load them; the
# programs must exist, so /srv/imagier points at a stand-in tree.
srv="$TMP/srv"
mkdir -p "$srv/bin" "$TMP/units"
for b in imagier-fcgi imagier-gen; do printf '#!/bin/sh\n' >"$srv/bin/$b" && chmod +x "$srv/bin/$b"; done
for f in "$ROOT"/tools/systemd/*; do sed "s|/srv/imagier|$srv|g" "$f" >"$TMP/units/${f##*/}"; done
out="$(cd "$TMP/units" && systemd-analyze verify --man=no ./imagier-fcgi.socket ./imagier-fcgi.service ./imagier-gen.service 2>&1)"
is "$?" 0 "systemd-analyze verify accepts the units"
is "$(grep -v 'Cannot add dependency job\|Failed to prepare filesystem' <<<"$out")" "" "... without a complaint"
done_testing

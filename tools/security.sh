#!/usr/bin/env bash
# tools/security.sh - `make security`: sqlmap (Debian's package) against the
# main endpoints of a private stack, anonymous and logged in, then the XSS
# and role tests; exit 1 on any finding.
#
# Like tools/test.sh it starts its own stack (nginx, MariaDB, memcached, the
# FastCGI pool) in a temporary var dir on a free port and stops it at the end.
# The stack also listens on a unix socket (a conf.d drop-in), and sqlmap runs
# in a network namespace of its own (unshare --net) whose only interface is a
# loopback with a small forwarder from 127.0.0.1:PORT to that socket: sqlmap
# cannot reach any other address, here or on the Internet.
#
# Each target is one sqlmap run (--batch, --dbms=MySQL, bounded level, risk and
# techniques) under a time limit. Before it, the same request is sent once
# with curl and must answer the expected status (so a logged-in target really
# is tested logged in). A target fails when sqlmap reports an injection point
# (its log file, its CSV results file, "is vulnerable" / "identified the
# following injection point(s)" on its output),
# when sqlmap does not finish in time or exits with an error. Hints (its
# heuristic "might be injectable", a parameter that "appears to be ...
# injectable" until sqlmap's own false-positive check rules it out) are
# counted in the summary, not failed on.
#
# Then the XSS battery (tests/browser/t0400-xss.mjs) and the role tests
# (tests/integration/t1900-roles.sh, t1950-headers.sh) run against the same
# stack. Everything is kept in build/security/<date>/ (summary.txt, each
# target's sqlmap output and log).
#
# Knobs: SQLMAP_LEVEL (2), SQLMAP_RISK (1), SQLMAP_TECHNIQUE (BEUST),
# SQLMAP_TIMEOUT (seconds per target, 300), SQLMAP_ONLY (a regex: only the
# targets whose name matches), SECURITY_SKIP_TESTS=1 (sqlmap only),
# KEEP_TEST_STACK=1 (keep the temporary var dir).
set -euo pipefail

# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ROOT=$IMAGIER_ROOT_DIR
cd "$ROOT"

LEVEL=${SQLMAP_LEVEL:-2}
RISK=${SQLMAP_RISK:-1}
TECHNIQUE=${SQLMAP_TECHNIQUE:-BEUST}
TIMEOUT=${SQLMAP_TIMEOUT:-300}
ONLY=${SQLMAP_ONLY:-}

# ---- inside the network namespace ---------------------------------------------

# forwarder PORT SOCKET: 127.0.0.1:PORT -> the stack's unix socket (python3;
# prints "ready" once listening).
forwarder() {
	python3 - "$1" "$2" <<'PY'
import asyncio, sys

port, path = int(sys.argv[1]), sys.argv[2]

async def pipe(r, w):
    try:
        while True:
            data = await r.read(65536)
            if not data:
                break
            w.write(data)
            await w.drain()
        if w.can_write_eof():
            w.write_eof()
    except (OSError, asyncio.CancelledError):
        pass

async def handle(r1, w1):
    try:
        r2, w2 = await asyncio.open_unix_connection(path)
    except OSError:
        w1.close()
        return
    await asyncio.gather(pipe(r1, w2), pipe(r2, w1))
    for w in (w1, w2):
        w.close()

async def main():
    srv = await asyncio.start_server(handle, "127.0.0.1", port)
    print("ready", flush=True)
    async with srv:
        await srv.serve_forever()

asyncio.run(main())
PY
}

# sandboxed: run every target of $WORK/targets (in the namespace). One line
# a target, tab-separated: name, method, url, data ("-": none), header ("-").
sandboxed() {
	ip link set lo up
	local fwd_out=$WORK/forwarder.out
	forwarder "$PORT" "$SOCK" >"$fwd_out" 2>&1 &
	local fwd=$! i
	for ((i = 0; i < 50; i++)); do
		grep -q ready "$fwd_out" 2>/dev/null && break
		sleep 0.1
	done
	grep -q ready "$fwd_out" || {
		cat "$fwd_out" >&2
		die "the forwarder did not start"
	}
	local name method url data header args t0 rc
	while IFS=$'\t' read -r name method url data header; do
		args=(--batch --disable-coloring --skip-waf --dbms=MySQL --level="$LEVEL"
			--risk="$RISK" --technique="$TECHNIQUE" --flush-session
			--ignore-code=401 --output-dir="$OUT/sqlmap/$name"
			--results-file="$OUT/sqlmap/$name/results.csv" --method="$method" -u "$url")
		[[ $data == - ]] || args+=(--data="$data")
		[[ $header == - ]] || args+=(--headers="$header")
		mkdir -p "$OUT/sqlmap/$name"
		t0=$(date +%s)
		rc=0
		HOME=$WORK/home TERM=dumb timeout --kill-after=10 "$TIMEOUT" \
			sqlmap "${args[@]}" </dev/null >"$OUT/$name.out" 2>&1 || rc=$?
		printf '%s\t%s\t%s\n' "$name" "$rc" "$(($(date +%s) - t0))" >>"$WORK/results"
		printf '  %-22s %4ss  (exit %s)\n' "$name" "$(($(date +%s) - t0))" "$rc"
	done <"$WORK/targets"
	kill "$fwd" 2>/dev/null || true
}

if [[ ${1:-} == --sandboxed ]]; then
	sandboxed
	exit 0
fi

# ---- outside: the stack, the fixtures, the targets ----------------------------

command -v sqlmap >/dev/null || die "sqlmap is not installed (tools/deps.sh security)"
command -v unshare >/dev/null || die "unshare (util-linux) is needed to keep sqlmap off the network"
command -v ip >/dev/null || die "ip (iproute2) is needed to bring up the sandbox's loopback"

START=$(date +%s)
OUT=$ROOT/build/security/$(date +%Y%m%d-%H%M%S)
WORK="$(mktemp -d "${TMPDIR:-/tmp}/imagier-sec.XXXXXX")"
mkdir -p "$OUT" "$WORK/home"
export IMAGIER_BIN=$ROOT/bin IMAGIER_ROOT=$ROOT
export MKIMAGE=$ROOT/build/rel/tests/mkimage

# Limits: sqlmap sends thousands of requests from one address; the point is
# to test the queries, not to be throttled into identical 429 answers.
# Unknown IMAGIER_* names are ignored by lib/config.c, so every [limits] key
# that counts something (its name has per_, max or burst) gets a huge value.
export IMAGIER_SITE_LOGIN_ATTEMPTS=1000000
export IMAGIER_GEN_MAX_PER_HOUR=1000000 IMAGIER_GEN_MAX_IN_FLIGHT=1000
while read -r key; do
	export "IMAGIER_LIMITS_${key^^}=1000000"
done < <(sed -n 's/^[[:space:]]*S("limits", "\([a-z0-9_]*\)", [a-z0-9_]*, C_\(INT\|LONG\), .*/\1/p' \
	lib/config.c | grep -E 'per_|max|burst' || true)

STACK_VAR=$WORK/var
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
SOCK=$STACK_VAR/run/http.sock
export IMAGIER_VAR=$STACK_VAR IMAGIER_PORT=$PORT IMAGIER_URL=http://127.0.0.1:$PORT
export IMAGIER_ADMIN_PASSWORD=admin-test-password-42
cleanup() {
	tools/stack.sh stop >/dev/null 2>&1 || true
	if [[ ${KEEP_TEST_STACK:-0} != 1 ]]; then rm -rf "$WORK"; else echo "# kept $WORK"; fi
}
trap cleanup EXIT

# The stack also listens on a unix socket: the sandbox's way in.
mkdir -p "$STACK_VAR/nginx/conf.d"
printf 'listen unix:%s;\n' "$SOCK" >"$STACK_VAR/nginx/conf.d/security-socket.conf"
info "starting a stack on port $PORT (var: $STACK_VAR)"
if ! tools/stack.sh start >"$WORK/start.log" 2>&1; then
	cat "$WORK/start.log" >&2
	exit 1
fi

# ---- fixtures: two people, a post with a tag and a comment, the admin -------

U=$IMAGIER_URL
json_req() { # json_req METHOD PATH JSON [TOKEN]: prints the body
	local auth=()
	[[ -z ${4:-} ]] || auth=(-H "Authorization: Bearer $4")
	curl -s -X "$1" "${auth[@]}" -H 'Content-Type: application/json' --data "$3" "$U$2"
}
new_user() { # new_user NAME: prints the bearer token
	json_req POST /api/v1/accounts "{\"username\":\"$1\",\"password\":\"correct horse $1\"}" >/dev/null
	json_req POST /api/v1/sessions "{\"username\":\"$1\",\"password\":\"correct horse $1\"}" | jq -r .token
}
stamp=$(date +%s)
AUTHOR=sqa$stamp
TOK_A="$(new_user "$AUTHOR")"
TOK_B="$(new_user "sqb$stamp")"
TOK_ADMIN="$(json_req POST /api/v1/sessions "{\"username\":\"admin\",\"password\":\"$IMAGIER_ADMIN_PASSWORD\"}" | jq -r .token)"
[[ ${#TOK_A} -gt 20 && ${#TOK_B} -gt 20 && ${#TOK_ADMIN} -gt 20 ]] || die "could not log in the fixture accounts"
"$MKIMAGE" png 120 90 "$WORK/img.png" 7 >/dev/null
POST="$(curl -s -H "Authorization: Bearer $TOK_A" -F "image=@$WORK/img.png" \
	-F "prompt=a lighthouse at dusk by $AUTHOR" -F 'tags=sqlmaptag' "$U/api/v1/posts" | jq -r .post.id)"
[[ $POST =~ ^[0-9]+$ ]] || die "could not make the fixture post"
json_req POST "/api/v1/posts/$POST/comments" '{"text":"nice light"}' "$TOK_B" >/dev/null

# ---- the targets ---------------------------------------------------------------
# target NAME METHOD PATH DATA TOKEN EXPECTED: sqlmap target; DATA and TOKEN
# may be "-". A "*" in PATH marks a path segment to inject into. EXPECTED is
# the status the unchanged request must answer (checked with curl first).
: >"$WORK/targets"
target() {
	local name=$1 method=$2 path=$3 data=$4 token=$5 expect=$6 header=- code
	[[ -z $ONLY || $name =~ $ONLY ]] || return 0
	[[ $token == - ]] || header="Authorization: Bearer $token"
	local curl_args=(-s -o "$WORK/baseline.out" -w '%{http_code}' -X "$method" --max-time 30)
	[[ $header == - ]] || curl_args+=(-H "$header")
	[[ $data == - ]] || curl_args+=(-H 'Content-Type: application/json' --data "$data")
	code="$(curl "${curl_args[@]}" "$U${path//\*/}")" || code=000
	if [[ $code != "$expect" ]]; then
		BASELINE_BAD+=("$name: $method ${path//\*/} answered $code, expected $expect")
		return 0
	fi
	printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$method" "$U$path" "$data" "$header" >>"$WORK/targets"
}
BASELINE_BAD=()
N=$stamp
# anonymous
target feed GET "/api/v1/feed?kind=latest&cursor=" - - 200
# The author's name finds a post (its prompt) and a person: a payload that
# changed either query would change the answer.
target api-search GET "/api/v1/search?q=$AUTHOR" - - 200
target page-search GET "/search?q=$AUTHOR" - - 200
target user-posts GET "/api/v1/users/$AUTHOR*/posts" - - 200
target tag-posts GET "/api/v1/tags/sqlmaptag*/posts" - - 200
target post-page GET "/p/$POST*" - - 200
target login POST /api/v1/sessions "{\"username\":\"$AUTHOR\",\"password\":\"wrong password 1\"}" - 401
target signup POST /api/v1/accounts "{\"username\":\"sqs$N\",\"password\":\"correct horse sqs$N\"}" - 201
# logged in
target comment POST "/api/v1/posts/$POST/comments" '{"text":"what a view","parent_id":null}' "$TOK_B" 201
target bio PATCH /api/v1/me '{"bio":"I like lighthouses"}' "$TOK_B" 200
target report POST /api/v1/reports "{\"target_type\":\"post\",\"target_id\":$POST,\"reason\":\"spam\",\"note\":\"looks like spam\"}" "$TOK_B" 201
target admin-queue GET "/api/v1/admin/queue?cursor=" - "$TOK_ADMIN" 200
target notifications GET "/api/v1/notifications?cursor=" - "$TOK_A" 200
target sessions GET /api/v1/sessions - "$TOK_A" 200

if ((${#BASELINE_BAD[@]})); then
	printf '  baseline failed: %s\n' "${BASELINE_BAD[@]}" >&2
	die "the unchanged requests did not answer as expected; sqlmap would test nothing useful"
fi

# ---- sqlmap, off the network -------------------------------------------------
ntargets=$(wc -l <"$WORK/targets")
info "sqlmap $(sqlmap --version 2>/dev/null | head -1): $ntargets targets, level $LEVEL, risk $RISK, techniques $TECHNIQUE, ${TIMEOUT}s each"
: >"$WORK/results"
export WORK OUT PORT SOCK LEVEL RISK TECHNIQUE TIMEOUT
ns=(unshare --net)
((EUID == 0)) || ns=(unshare --net --map-root-user)
"${ns[@]}" -- "$ROOT/tools/security.sh" --sandboxed ||
	die "could not run sqlmap in a network namespace of its own (unshare --net)"

# ---- verdicts ------------------------------------------------------------------
FAILED=0
summary=$OUT/summary.txt
{
	echo "imagier security run $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "sqlmap $(sqlmap --version 2>/dev/null | head -1), level $LEVEL, risk $RISK, techniques $TECHNIQUE, dbms MySQL"
} >"$summary"
while IFS=$'\t' read -r name rc secs; do
	out=$OUT/$name.out
	verdict=clean
	# What sqlmap confirmed (after its own false-positive check); a
	# parameter that only "appears to be injectable" and is then ruled a
	# false positive is listed as a hint.
	findings="$(grep -E "is vulnerable|identified the following injection point|injection point\(s\) with a total" "$out" || true)"
	if [[ -n $findings ]] || find "$OUT/sqlmap/$name" -name log -size +0 | grep -q . ||
		[[ $(grep -c . "$OUT/sqlmap/$name/results.csv" 2>/dev/null || echo 0) -gt 1 ]]; then
		verdict=INJECTABLE
	elif ((rc == 124 || rc == 137)); then
		verdict="TIMED OUT"
	elif ! grep -qE "do not appear to be injectable|does not seem to be injectable" "$out"; then
		verdict="DID NOT FINISH (exit $rc)"
	fi
	hints="$(grep -cE "might be injectable|appears to be .*injectable|false positive" "$out" || true)"
	[[ $verdict == clean ]] || FAILED=$((FAILED + 1))
	printf '%-16s %-28s %4ss%s\n' "$name" "$verdict" "$secs" \
		"$([[ $hints == 0 ]] || echo "  ($hints heuristic hints, see $name.out)")" >>"$summary"
	[[ -z $findings ]] || printf '    %s\n' "${findings//$'\n'/$'\n'    }" >>"$summary"
done <"$WORK/results"
sqlmap_secs=$(($(date +%s) - START))
echo "sqlmap part: ${sqlmap_secs}s (stack start included)" >>"$summary"

# ---- the XSS battery and the role and header tests, same stack -------------
if [[ ${SECURITY_SKIP_TESTS:-0} != 1 ]]; then
	tests=(tests/browser/t0400-xss.mjs tests/integration/t1900-roles.sh tests/integration/t1950-headers.sh)
	for t in "${tests[@]}"; do
		[[ -e $t ]] || continue
		t0=$(date +%s)
		if "$t" >"$OUT/$(basename "$t").tap" 2>&1; then verdict=ok; else
			verdict=FAILED
			FAILED=$((FAILED + 1))
		fi
		printf '%-30s %-14s %4ss\n' "$(basename "$t")" "$verdict" "$(($(date +%s) - t0))" >>"$summary"
	done
fi
echo "total: $(($(date +%s) - START))s; $FAILED failed" >>"$summary"
cat "$summary"
echo "(outputs in ${OUT#"$ROOT"/})"
((FAILED == 0)) || exit 1

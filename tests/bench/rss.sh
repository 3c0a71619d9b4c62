#!/usr/bin/env bash
# tests/bench/rss.sh - worker memory under a long mixed load: runs about
# REQUESTS requests of tests/bench/mixed.lua (feeds, post pages, likes,
# comments, the API, an upload every 500th request) against a running stack
# with wrk, samples every FastCGI worker's VmRSS once a second, and reports
# the steady median, the 95th percentile, the max, and the growth (lower
# quartile of the last minute minus that of the first minute after a
# warm-up: uploads lift samples for seconds, a leak lifts them all).
#
#   tests/bench/rss.sh URL VAR TOKEN [REQUESTS] [CONNS]
#
# URL: the stack (http://127.0.0.1:PORT); VAR: its var dir (for the pool's
# pid); TOKEN: a session token of a user with data (make bench's bench1).
# Env: BENCH_MAX_POST (default: MAX(id) of posts), BENCH_USER (bench1),
# BENCH_UPLOAD (a JPEG to upload; default: a 2048x2048 one made here),
# RSS_WARMUP (seconds left out at the start, default 20), RSS_OUT (where the
# samples go, "time pid kB" a line; default a temporary file).
# Prints "rss_kB median=... p95=... max=... growth=... samples=... requests=...".
# The rate limits of the stack must allow the load (make bench sets them).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
URL=$1 VAR=$2 TOKEN=$3
REQUESTS=${4:-100000}
CONNS=${5:-8}
WARMUP=${RSS_WARMUP:-20}
TMPD="$(mktemp -d "${TMPDIR:-/tmp}/imagier-rss.XXXXXX")"
OUTF=${RSS_OUT:-$TMPD/samples}
: >"$OUTF"
SAMPLER=""
trap '[[ -n $SAMPLER ]] && kill "$SAMPLER" 2>/dev/null; rm -rf "$TMPD"' EXIT

if [[ -z ${BENCH_MAX_POST:-} ]]; then
	BENCH_MAX_POST=$(mariadb --socket="$VAR/run/mysqld.sock" -u "$(id -un)" -N -B imagier \
		-e 'SELECT MAX(id) FROM posts')
fi
if [[ -z ${BENCH_UPLOAD:-} ]]; then
	BENCH_UPLOAD=$TMPD/upload.jpg
	"$ROOT/build/rel/tests/mkimage" mosaic jpeg 2048 2048 "$BENCH_UPLOAD" 7 >/dev/null
fi
export BENCH_TOKEN=$TOKEN BENCH_MAX_POST BENCH_UPLOAD BENCH_USER=${BENCH_USER:-bench1}

master=$(cat "$VAR/run/fcgi.pid")
(
	while :; do
		t=$(date +%s)
		for pid in $(ps -o pid= --ppid "$master" 2>/dev/null); do
			kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || continue
			[[ -n $kb ]] && echo "$t $pid $kb"
		done
		sleep 1
	done
) >>"$OUTF" &
SAMPLER=$!

start=$(date +%s)
done_requests=0
while ((done_requests < REQUESTS)); do
	out="$(wrk -t2 -c"$CONNS" -d10s -s "$ROOT/tests/bench/mixed.lua" "$URL" 2>&1)"
	n=$(awk '/requests in/ {print $1}' <<<"$out")
	[[ -n $n && $n -gt 0 ]] || { echo "rss: wrk made no requests: $out" >&2; exit 1; }
	done_requests=$((done_requests + n))
	bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
	[[ -z $bad ]] || echo "# $bad non-2xx/3xx answers in the last 10 s" >&2
done
kill "$SAMPLER" 2>/dev/null || true
SAMPLER=""

python3 - "$OUTF" "$((start + WARMUP))" "$done_requests" <<'PY'
import statistics, sys
path, t0, nreq = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = [tuple(map(int, l.split())) for l in open(path) if len(l.split()) == 3]
rows = [r for r in rows if r[0] >= t0]
if not rows:
    sys.exit("rss: no samples after the warm-up")
kb = sorted(r[2] for r in rows)
first = [r[2] for r in rows if r[0] < t0 + 60]
tend = max(r[0] for r in rows)
last = [r[2] for r in rows if r[0] > tend - 60]
p95 = kb[min(len(kb) - 1, int(len(kb) * 0.95))]
# Growth is the floor's: the lower quartile of the last minute less that of
# the first. A leak lifts every sample; an upload lifts only the seconds it
# is being decoded (30-50 MB), and whether a minute's median falls inside
# uploads is chance, not growth (growth_median, for information).
def q1(v):
    return sorted(v)[len(v) // 4]
growth = q1(last) - q1(first)
gmed = statistics.median(last) - statistics.median(first)
print("rss_kB median=%d p95=%d max=%d growth=%d samples=%d workers_seen=%d requests=%d "
      "growth_median=%d" % (statistics.median(kb), p95, kb[-1], growth, len(kb),
                            len({r[1] for r in rows}), nreq, gmed))
PY

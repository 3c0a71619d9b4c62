#!/usr/bin/env bash
# tools/bench.sh - `make bench`: measure imagier against its own ceiling and
# floor, side by side in one run on this machine, with wrk.
#
#   ceiling: nginx serving a static file the size of the feed page
#   floor:   a bare libfcgi "hello" of the same size through the same nginx
#   then:    the anonymous latest feed, the logged-in following and for-you
#            feeds (warm cache), the same as first views (the page not
#            cached: tests/bench/cold.lua) and without memcached, a post
#            page, a like, a comment (against a bare insert loop of
#            the same rows); a feed page at 1M posts vs 10k posts;
#            the procedural generator, the image pipeline and JPEG decoding
#            (libgd against jpegdec, crafted scans: procbench);
#            the lineage of a family of thousands.
#
# Data: tools/gendata.py fills build/bench/large (BENCH_SCALE, default 1 =
# 100k users, 1M posts, 10M likes, 2M comments, 1M follows) and
# build/bench/small (1/100 of that) once; later runs reuse them.
# BENCH_HUGE=1 adds build/bench/huge (10x the posts of the large set: 10M)
# and reports the page cost at 10k, 1M and 10M posts.
# Knobs: BENCH_SCALE, BENCH_SECONDS (per run, default 8), BENCH_RUNS (3; the
# median is reported), BENCH_CONNS (32). BENCH_ONLY=feeds measures the feed
# rows alone (the references, the warm rows in turn, the first views) and
# stops: a few minutes, to measure them again on a quiet machine.
#
# The end of the report is the issue's table: each target, what this run
# measured, and "met" or "MISSED". The bench exits 1 when a reference (the
# static file, the hello floor) answered with errors: every ratio would be
# void.
#
# Before and after: BENCH_BASELINE=REV (a commit, e.g. main~3) builds REV's
# programs into build/bench/baseline and then measures every application path
# twice on the same data in this one run, the pool restarted with REV's
# imagier-fcgi and then with this tree's, run for run in turn (A B A B ...),
# and prints both medians and the change.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
SCALE=${BENCH_SCALE:-1}
SECS=${BENCH_SECONDS:-8}
RUNS=${BENCH_RUNS:-3}
CONNS=${BENCH_CONNS:-32}
BUILD=build/rel
export IMAGIER_ROOT=$ROOT IMAGIER_BIN=$ROOT/bin IMAGIER_GEN=0
# The rate limiter runs (its cost is part of every like), with limits no
# benchmark from one address reaches.
for l in POST_PER_HOUR GENERATE_PER_HOUR COMMENT_PER_HOUR LIKE_PER_HOUR REPORT_PER_DAY \
	FOLLOW_PER_HOUR; do
	export "IMAGIER_LIMITS_${l}=100000000" "IMAGIER_LIMITS_${l}_ADDR=100000000"
done
export IMAGIER_LIMITS_LOGIN_PER_5MIN_ADDR=100000000 IMAGIER_LIMITS_SIGNUP_PER_HOUR_ADDR=100000000
OUT=build/bench/results-$(date +%Y%m%d-%H%M%S).txt
mkdir -p build/bench

say() { printf '%s\n' "$*" | tee -a "$OUT"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# stack NAME: start (or reuse) the bench stack NAME; sets VAR, PORT, URL.
stack() {
	VAR=$ROOT/build/bench/$1/var
	if [[ -f $VAR/run/port ]] && IMAGIER_VAR=$VAR tools/stack.sh status >/dev/null 2>&1; then
		PORT=$(cat "$VAR/run/port")
		# A pool started earlier may run another binary or other limits:
		# restart it with this run's programs and settings.
		IMAGIER_VAR=$VAR tools/stack.sh restart-fcgi >/dev/null
	else
		PORT=$(free_port)
		IMAGIER_VAR=$VAR IMAGIER_PORT=$PORT IMAGIER_ADMIN_PASSWORD=bench-admin-password-1 \
			tools/stack.sh start >/dev/null
	fi
	URL=http://127.0.0.1:$PORT
	export IMAGIER_VAR=$VAR IMAGIER_PORT=$PORT
	# A data set made before a migration gets it before anything is asked
	# of it (this tree's workers read the new schema).
	"$ROOT/bin/imagier" migrate >/dev/null
}

# data SCALE [gendata args]: fill the current stack once.
data() {
	if [[ ! -f $VAR/gendata.json ]]; then
		say "# generating data at scale $* into $VAR (once; reused later)"
		python3 tools/gendata.py --var "$VAR" --scale "$@" | tail -3 | sed 's/^/#   /' | tee -a "$OUT"
	fi
}

# wrk_median NAME URL-PATH [wrk args...]: RUNS runs; prints "rps p50 p99".
# Non-2xx answers and socket errors are reported; for a reference (the
# static ceiling, the hello floor: REFERENCE=1) they make the whole bench
# fail at the end, since every ratio would be measured against a broken
# yardstick.
REF_FLAG=build/bench/reference-errors
rm -f "$REF_FLAG"
# wrk_once NAME URL-PATH [wrk args...]: one run; prints "rps p50 p99".
wrk_once() {
	local name=$1 path=$2 out rps p50 p99 non2xx sockerr
	shift 2
	out="$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$@" "$URL$path" 2>&1)" || true
	rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
	p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
	non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
	sockerr=$(awk '/Socket errors/ {print}' <<<"$out")
	[[ -n $rps ]] || { non2xx="wrk failed: $(tail -1 <<<"$out")"; rps=0 p50=0 p99=0; }
	if [[ -n $non2xx || -n $sockerr ]]; then
		# to stderr: the caller reads this function's output
		say "#   $name: ${non2xx:+$non2xx non-2xx answers }${sockerr:+($sockerr) }in a run" >&2
		if [[ ${REFERENCE:-0} == 1 ]]; then
			echo "$name" >>"$REF_FLAG" # wrk_once runs in a subshell
			say "#   !!! REFERENCE $name ANSWERED WITH ERRORS: every ratio of this run is void" >&2
		fi
	fi
	printf '%s %s %s\n' "$rps" "$(to_ms "$p50")" "$(to_ms "$p99")"
}

wrk_median() {
	local name=$1 path=$2 i r
	shift 2
	local -a a=() b=() c=()
	# one second first, not counted: the row measures the path warm (a
	# first run had read the page's parts into memcached, or not)
	wrk -t2 -c"$CONNS" -d1s "$@" "$URL$path" >/dev/null 2>&1 || true
	for ((i = 0; i < RUNS; i++)); do
		r=$(wrk_once "$name" "$path" "$@")
		a+=("$(rps_of "$r")") b+=("$(p50_of "$r")") c+=("$(p99_of "$r")")
	done
	printf '%s %s %s\n' "$(median "${a[@]}")" "$(median "${b[@]}")" "$(median "${c[@]}")"
}

# in_turn NAME...: rows whose ratios are read against each other, measured
# in turn (A B C A B C ...: a slower minute of the machine falls on each of
# them alike); the path and the one header of row NAME are TURN_PATH[NAME]
# and TURN_HDR[NAME], a reference has TURN_REF[NAME]=1. The medians go to
# TURN[NAME] as "rps p50 p99", each round's req/s to TURN_RPS[NAME].
declare -A TURN_PATH TURN_HDR TURN_REF TURN TURN_RPS
in_turn() {
	local name i r
	local -A rps=() p50=() p99=()
	for name in "$@"; do
		local -a h=()
		[[ -n ${TURN_HDR[$name]:-} ]] && h=(-H "${TURN_HDR[$name]}")
		wrk -t2 -c"$CONNS" -d1s "${h[@]}" "$URL${TURN_PATH[$name]}" >/dev/null 2>&1 || true
	done
	for ((i = 0; i < RUNS; i++)); do
		for name in "$@"; do
			local -a h=()
			[[ -n ${TURN_HDR[$name]:-} ]] && h=(-H "${TURN_HDR[$name]}")
			r=$(REFERENCE=${TURN_REF[$name]:-0} wrk_once "$name" "${TURN_PATH[$name]}" "${h[@]}")
			rps[$name]+=" $(rps_of "$r")" p50[$name]+=" $(p50_of "$r")" p99[$name]+=" $(p99_of "$r")"
		done
	done
	for name in "$@"; do
		# shellcheck disable=SC2086 # the lists are words
		TURN[$name]="$(median ${rps[$name]}) $(median ${p50[$name]}) $(median ${p99[$name]})"
		TURN_RPS[$name]=${rps[$name]}
	done
}
# turn_ratio A B: the median, over the rounds of in_turn, of A's req/s over
# B's in the same round (run next to each other): a faster minute of the
# machine that lifts one run of B alone moves one ratio, not the result.
turn_ratio() {
	local -a a b q=()
	local i
	read -ra a <<<"${TURN_RPS[$1]}"
	read -ra b <<<"${TURN_RPS[$2]}"
	for ((i = 0; i < ${#a[@]} && i < ${#b[@]}; i++)); do
		q+=("$(ratio "${a[i]}" "${b[i]}")")
	done
	median "${q[@]}"
}
to_ms() { # wrk prints 1.23ms, 456.00us, 1.2s
	awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n *= 1000; printf "%.2f", n }'
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

row() { # row NAME "rps p50 p99" [ratio-label ratio]
	read -r rps p50 p99 <<<"$2"
	printf '%-34s %10s %9s %9s   %s %s\n' "$1" "$rps" "$p50" "$p99" "${4:-}" "${3:-}" |
		tee -a "$OUT"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# target NAME VALUE OP LIMIT TEXT: remember one row of the issue's table
# (OP is >= or <=) for the summary printed at the end.
# finish: the issue's table, then the exit status (1: a reference failed).
finish() {
	say ""
	say "# the issue's targets (medians of $RUNS runs; ratios from this one run)"
	printf '%-40s %12s   %-28s %s\n' "what" "measured" "target" "" | tee -a "$OUT"
	for t in "${TARGETS[@]}"; do say "$t"; done
	say ""
	say "# results saved in $OUT"
	if [[ -s $REF_FLAG ]]; then
		say "bench: FAILED: a reference answered with errors ($(sort -u "$REF_FLAG" | tr '\n' ' ')): the ratios are void" >&2
		exit 1
	fi
	exit 0
}

TARGETS=()
target() {
	local met
	met=$(awk -v v="$2" -v op="$3" -v l="$4" 'BEGIN {
		if (v !~ /^-?[0-9.]+$/) { print "not measured"; exit }
		if ((op == ">=" && v + 0 >= l + 0) || (op == "<=" && v + 0 <= l + 0)) print "met";
		else print "MISSED" }')
	TARGETS+=("$(printf '%-40s %12s   %-28s %s' "$1" "$2" "$3 $4 ${5:-}" "$met")")
}
p99_of() { awk '{print $3}' <<<"$1"; }
p50_of() { awk '{print $2}' <<<"$1"; }
rps_of() { awk '{print $1}' <<<"$1"; }

login() { # login USER PASSWORD: prints the bearer token
	curl -s -X POST "$URL/api/v1/sessions" -H 'Content-Type: application/json' \
		--data "{\"username\":\"$1\",\"password\":\"$2\"}" | jq -r .token
}

# ---- the large data set: everything measured side by side -------------------
stack large
data "$SCALE"
TOKEN=$(login bench1 bench-password-1)
[[ -n $TOKEN && $TOKEN != null ]] || { echo "bench: cannot log in as bench1" >&2; exit 1; }
export BENCH_TOKEN=$TOKEN
# The logged-in rows mean something only with full pages behind them.
for kind in following foryou; do
	n=$(curl -s "$URL/api/v1/feed?kind=$kind" -H "Authorization: Bearer $TOKEN" | jq '.items | length')
	[[ $n == 24 ]] || { echo "bench: bench1's $kind feed has ${n:-no} posts, not 24: the data set is broken" >&2; exit 1; }
done
MAX_POST=$(mariadb --socket="$VAR/run/mysqld.sock" -u "$(id -un)" -N -B imagier -e 'SELECT MAX(id) FROM posts')
export BENCH_MAX_POST=$MAX_POST
COOKIE="Cookie: imagier_session=$TOKEN"
# The "for you" candidates of the bench accounts, gathered now as
# imagier-gen's job would (it does not run here: IMAGIER_GEN=0), so the
# for-you rows measure the page, not a first build (docs/RANKING.md 7).
"$ROOT/bin/imagier" foryou-refresh bench1 bench2 bench3 bench4 bench5 >/dev/null

# The static twin and the hello floor, at the size of the anonymous feed page.
SIZE=$(curl -s "$URL/" | wc -c)
mkdir -p "$VAR/nginx/bench"
head -c "$SIZE" /dev/zero | tr '\0' 'x' >"$VAR/nginx/bench/static.html"
"$ROOT/$BUILD/tests/hello-fcgi" "$VAR/run/hello.sock" "$SIZE" >/dev/null 2>&1 &
HELLO=$!
# The first-view floor: the same page kept in memcached as 24 parts (a
# page's posts) and fetched with one multi-get per request.
"$ROOT/$BUILD/tests/hello-fcgi" "$VAR/run/floor.sock" "$SIZE" "$VAR/run/memcached.sock" 24 \
	>/dev/null 2>&1 &
FLOOR=$!
trap 'kill $HELLO $FLOOR 2>/dev/null || true; rm -f "$VAR/nginx/conf.d/bench.conf"' EXIT
cat >"$VAR/nginx/conf.d/bench.conf" <<CONF
location = /__bench/static.html { alias $VAR/nginx/bench/static.html; }
location = /__bench/hello { fastcgi_pass unix:$VAR/run/hello.sock; }
location = /__bench/floor { fastcgi_pass unix:$VAR/run/floor.sock; }
CONF
nginx -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf" -s reload 2>/dev/null
sleep 1

say ""
say "# imagier bench $(date -u +%FT%TZ) on $(nproc) cores; wrk -t2 -c$CONNS, ${SECS}s x $RUNS runs (median)"
say "# data: $(jq -c .counts "$VAR/gendata.json" 2>/dev/null || echo '?'); feed page $SIZE bytes"
printf '%-34s %10s %9s %9s   %s\n' "what" "req/s" "p50 ms" "p99 ms" "ratio" | tee -a "$OUT"
TURN_PATH=([static]=/__bench/static.html [hello]=/__bench/hello [anon]=/ [following]=/following
	[foryou]=/foryou)
TURN_HDR=([following]=$COOKIE [foryou]=$COOKIE)
TURN_REF=([static]=1 [hello]=1)
in_turn static hello anon following foryou
static=${TURN[static]} hello=${TURN[hello]}
row "nginx static (ceiling)" "$static"
row "libfcgi hello (floor)" "$hello" "x static" "$(ratio "${hello%% *}" "${static%% *}")"
r=${TURN[anon]}
x=$(turn_ratio anon static)
row "anonymous latest feed" "$r" "x static (target >= 0.9)" "$x"
target "anonymous latest feed, x static" "$x" ">=" 0.9
r=${TURN[following]}
x=$(turn_ratio following hello)
row "following feed, warm" "$r" "x hello (target >= 0.8)" "$x"
target "following feed warm, x hello" "$x" ">=" 0.8
r=${TURN[foryou]}
x=$(turn_ratio foryou hello)
row "for-you feed, warm" "$r" "x hello (target >= 0.8)" "$x"
target "for-you feed warm, x hello" "$x" ">=" 0.8
FEEDS_ONLY=0
[[ ${BENCH_ONLY:-} == feeds ]] && FEEDS_ONLY=1
if ((!FEEDS_ONLY)); then
	r=$(wrk_median post "/p/$((MAX_POST / 2))" -H "$COOKIE")
	row "post page (logged in)" "$r" "x hello" "$(ratio "${r%% *}" "${hello%% *}")"
	r=$(wrk_median like /api/v1/posts/1/like -s tests/bench/like.lua)
	row "like / unlike (API)" "$r"
	like=${r%% *}
	r=$(wrk_median comment /api/v1/posts/1/comments -s tests/bench/comment.lua)
	row "comment (API)" "$r"
	comment=${r%% *}
	# The write floor: a bare INSERT + COMMIT loop of the rows a like or a comment
	# writes, over as many MariaDB connections as wrk has (tests/tools/insertbench.c).
	insert_loop() {
		local i
		local -a v=()
		for ((i = 0; i < RUNS; i++)); do
			v+=("$("$ROOT/$BUILD/tests/insertbench" "$VAR/run/mysqld.sock" imagier "$(id -un)" "$1" "$CONNS" "$SECS")")
		done
		median "${v[@]}"
	}
	ins=$(insert_loop like)
	x=$(ratio "$like" "$ins")
	row "insert+commit loop, likes rows" "$ins - -" "like x insert loop (target >= 0.5)" "$x"
	target "like, x insert+commit loop" "$x" ">=" 0.5
	ins=$(insert_loop comment)
	x=$(ratio "$comment" "$ins")
	row "insert+commit loop, comments rows" "$ins - -" "comment x insert loop (target >= 0.5)" "$x"
	target "comment, x insert+commit loop" "$x" ">=" 0.5
fi

# Cold: first views. The page cache never holds the page (a query parameter
# no route reads, new on every request: tests/bench/cold.lua), so each
# request builds it from the stored timeline or for-you candidates and the
# post cache, as a person's first look at a page does.
cold() { BENCH_PATH=$2 wrk_median "$1" "$2" -s tests/bench/cold.lua "${@:3}"; }
# Beside them, the least a first view built from per-post cache entries can
# cost here: one multi-get of the page's bytes in 24 values through a bare
# libfcgi worker (tests/tools/hello_fcgi.c), no session, ids, parse or render.
floor=$(REFERENCE=1 wrk_median floor /__bench/floor)
row "first-view floor (1 multi-get)" "$floor" "x hello" "$(ratio "${floor%% *}" "${hello%% *}")"
r=$(cold following-cold /following -H "$COOKIE")
row "following feed, page not cached" "$r" "(target p99 <= 25 ms)"
target "following feed cold, p99 ms" "$(p99_of "$r")" "<=" 25 ms
r=$(cold foryou-cold /foryou -H "$COOKIE")
row "for-you feed, page not cached" "$r" "(target p99 <= 25 ms)"
target "for-you feed cold, p99 ms" "$(p99_of "$r")" "<=" 25 ms
r=$(cold latest-cold / -H "Cookie: imagier_session=x")
row "latest feed, page not cached" "$r" "(target p99 <= 15 ms)"
target "latest feed cold, p99 ms" "$(p99_of "$r")" "<=" 15 ms
if ((FEEDS_ONLY)); then
	kill $HELLO $FLOOR 2>/dev/null || true
	finish
fi
# Degraded: the pool without memcached, every object from MariaDB (no
# target: what the site does while memcached is away).
IMAGIER_CACHE_SERVERS="" tools/stack.sh restart-fcgi >/dev/null
row "following feed, no memcached" "$(wrk_median following-nomc /following -H "$COOKIE")"
row "for-you feed, no memcached" "$(wrk_median foryou-nomc /foryou -H "$COOKIE")"
row "latest feed, no memcached" "$(wrk_median latest-nomc "/?nocache=1" -H "Cookie: imagier_session=x")"
row "feed page mid-way, no memcached" "$(wrk_median latest-cold-api "/api/v1/feed?kind=latest&cursor=$((MAX_POST / 2))" -H "Authorization: Bearer $TOKEN")"
tools/stack.sh restart-fcgi >/dev/null
kill $HELLO $FLOOR 2>/dev/null || true

# ---- before and after: REV's workers against this tree's, same data -----------
if [[ -n ${BENCH_BASELINE:-} ]]; then
	BASE_SRC=$ROOT/build/bench/baseline-src
	BASE_BIN=$ROOT/build/bench/baseline/bin
	rev=$(git rev-parse --verify "$BENCH_BASELINE^{commit}")
	if [[ ! -x $BASE_BIN/imagier-fcgi || $(cat "$BASE_BIN/rev" 2>/dev/null) != "$rev" ]]; then
		rm -rf "$BASE_SRC"
		mkdir -p "$BASE_SRC" "$BASE_BIN"
		git archive "$rev" | tar -x -C "$BASE_SRC"
		make -C "$BASE_SRC" -j"$(nproc)" all >/dev/null
		cp "$BASE_SRC"/bin/imagier-fcgi "$BASE_BIN"/
		echo "$rev" >"$BASE_BIN/rev"
	fi
	stack large
	# ab NAME PATH [wrk args]: RUNS runs each of before and after, in turn;
	# prints the medians of req/s and of p99 of each side.
	ab() {
		local name=$1 path=$2 i out
		shift 2
		local -a before=() after=() bp=() ap=()
		for ((i = 0; i < RUNS; i++)); do
			for side in before after; do
				if [[ $side == before ]]; then
					# REV's own imagier.conf: an older binary refuses keys it
					# does not know.
					IMAGIER_CONFIG=$BASE_SRC/imagier.conf IMAGIER_BIN=$BASE_BIN \
						tools/stack.sh restart-fcgi >/dev/null
				else
					tools/stack.sh restart-fcgi >/dev/null
				fi
				wrk -t2 -c"$CONNS" -d1s "$@" "$URL$path" >/dev/null 2>&1 # warm up
				out="$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$@" "$URL$path" 2>&1)"
				local rps p99
				rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
				p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
				if [[ $side == before ]]; then
					before+=("$rps") bp+=("$p99")
				else
					after+=("$rps") ap+=("$p99")
				fi
			done
		done
		local b a
		b=$(median "${before[@]}") a=$(median "${after[@]}")
		printf '%-34s %10s %10s %8s   %9s %9s\n' "$name" "$b" "$a" \
			"$(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%+.1f%%", (a - b) * 100 / b }')" \
			"$(median "${bp[@]}")" "$(median "${ap[@]}")" | tee -a "$OUT"
	}
	say ""
	say "# before ($BENCH_BASELINE = ${rev:0:10}) and after (this tree), req/s, medians of $RUNS runs each, in turn"
	printf '%-34s %10s %10s %8s   %9s %9s\n' "what" "before" "after" "change" "p99 before" "after" |
		tee -a "$OUT"
	ab "anonymous latest feed" /
	ab "following feed, warm" /following -H "$COOKIE"
	ab "for-you feed, warm" /foryou -H "$COOKIE"
	ab "post page (logged in)" "/p/$((MAX_POST / 2))" -H "$COOKIE"
	ab "like / unlike (API)" /api/v1/posts/1/like -s tests/bench/like.lua
	ab "comment (API)" /api/v1/posts/1/comments -s tests/bench/comment.lua
	ab "profile page" /u/bench1 -H "$COOKIE"
	ab "search" "/search?q=cat" -H "$COOKIE"
	BENCH_PATH=/following ab "following feed, page not cached" /following \
		-s tests/bench/cold.lua -H "$COOKIE"
	BENCH_PATH=/foryou ab "for-you feed, page not cached" /foryou -s tests/bench/cold.lua \
		-H "$COOKIE"
	BENCH_PATH=/ ab "latest feed, page not cached" / -s tests/bench/cold.lua \
		-H "Cookie: imagier_session=x"
	export IMAGIER_CACHE_SERVERS=""
	ab "following feed, no memcached" /following -H "$COOKIE"
	ab "for-you feed, no memcached" /foryou -H "$COOKIE"
	ab "latest feed, no memcached" "/?nocache=1" -H "Cookie: imagier_session=x"
	ab "feed page mid-way, no memcached" "/api/v1/feed?kind=latest&cursor=$((MAX_POST / 2))" \
		-H "Authorization: Bearer $TOKEN"
	unset IMAGIER_CACHE_SERVERS
	tools/stack.sh restart-fcgi >/dev/null
fi

# ---- the page cost by volume: 10k, 1M (and 10M with BENCH_HUGE=1) posts ----
# The same API page (mid-way through the latest feed, memcached off) on data
# sets of 1/100, 1 and (optionally) 10x the volume: its p50 must not grow
# with the data (target: 10M <= 1.3 x 10k). The stacks run side by side and
# are measured in turn (10k, 1M, 10M, 10k, ...), so a slower minute of the
# machine falls on every volume alike instead of on one of them.
declare -A COST_URL COST_PATH COST_TOK COST_VAR
cost_prepare() { # cost_prepare LABEL: the current stack, its pool without memcached
	local max
	COST_URL[$1]=$URL COST_VAR[$1]=$VAR
	COST_TOK[$1]=$(login bench1 bench-password-1)
	max=$(mariadb --socket="$VAR/run/mysqld.sock" -u "$(id -un)" -N -B imagier -e 'SELECT MAX(id) FROM posts')
	COST_PATH[$1]="/api/v1/feed?kind=latest&cursor=$((max / 2))"
	IMAGIER_CACHE_SERVERS="" tools/stack.sh restart-fcgi >/dev/null
	wrk -t2 -c"$CONNS" -d1s -H "Authorization: Bearer ${COST_TOK[$1]}" "$URL${COST_PATH[$1]}" >/dev/null 2>&1 || true
}
COSTS=(10k 1M)
stack large
cost_prepare 1M
stack small
data "$(awk -v s="$SCALE" 'BEGIN { print s / 100 }')"
cost_prepare 10k
if [[ ${BENCH_HUGE:-0} == 1 ]]; then
	# 10x the posts of the large set (and its people, likes, comments and
	# follows as at scale 1): the volume that matters for a feed page.
	stack huge
	data "$SCALE" --posts "$(awk -v s="$SCALE" 'BEGIN { printf "%d", s * 10000000 }')"
	cost_prepare 10M
	COSTS+=(10M)
fi
declare -A COST_RPS COST_P50 COST_P99 cost
for ((i = 0; i < RUNS; i++)); do
	for label in "${COSTS[@]}"; do
		r=$(URL=${COST_URL[$label]} wrk_once "page-$label" "${COST_PATH[$label]}" \
			-H "Authorization: Bearer ${COST_TOK[$label]}")
		COST_RPS[$label]+=" $(rps_of "$r")" COST_P50[$label]+=" $(p50_of "$r")"
		COST_P99[$label]+=" $(p99_of "$r")"
	done
done
for label in "${COSTS[@]}"; do
	# shellcheck disable=SC2086 # the lists are words
	cost[$label]="$(median ${COST_RPS[$label]}) $(median ${COST_P50[$label]}) $(median ${COST_P99[$label]})"
	IMAGIER_VAR=${COST_VAR[$label]} IMAGIER_PORT=$(cat "${COST_VAR[$label]}/run/port") \
		tools/stack.sh restart-fcgi >/dev/null
done
say "# the page cost by volume: the same page on each data set, measured in turn"
row "feed page mid-way, no cache (10k)" "${cost[10k]}"
x=$(ratio "$(p50_of "${cost[1M]}")" "$(p50_of "${cost[10k]}")")
row "feed page mid-way, no cache (1M)" "${cost[1M]}" "1M/10k p50 (target <= 1.3)" "$x"
target "page cost 1M / 10k posts, p50" "$x" "<=" 1.3
if [[ ${BENCH_HUGE:-0} == 1 ]]; then
	x=$(ratio "$(p50_of "${cost[10M]}")" "$(p50_of "${cost[10k]}")")
	row "feed page mid-way, no cache (10M)" "${cost[10M]}" "10M/10k p50 (target <= 1.3)" "$x"
	target "page cost 10M / 10k posts, p50" "$x" "<=" 1.3
else
	say "#   (10M posts: BENCH_HUGE=1 make bench; generating it takes a while, once)"
fi

# ---- generation ---------------------------------------------------------------
say ""
say "# procedural generator, the image pipeline on its output, JPEG decoding (procbench 20)"
"$ROOT/$BUILD/tests/procbench" 20 | tee -a "$OUT"
# procbench's last line of its upload part: "ratio ours / vipsthumbnail: A a
# run, B an image". The target is held to the stricter B (vipsthumbnail's
# work on one image, without the start of its process).
img=$(awk '/^ratio ours \/ vipsthumbnail:/ {print $8}' "$OUT" | tail -1)
target "2048px JPEG first display, x vipsthumbnail" "${img:--}" "<=" 1.0

# ---- worker memory -------------------------------------------------------------
stack large
say ""
say "# worker memory over ${BENCH_RSS_REQUESTS:-100000} mixed requests (tests/bench/rss.sh)"
rss=$(tests/bench/rss.sh "$URL" "$VAR" "$(login bench1 bench-password-1)" "${BENCH_RSS_REQUESTS:-100000}" 8 | tail -1)
say "$rss"
rss_med=$(sed -n 's/^rss_kB median=\([0-9]*\).*/\1/p' <<<"$rss")
rss_grow=$(sed -n 's/.*growth=\(-\{0,1\}[0-9]*\).*/\1/p' <<<"$rss")
target "worker RSS steady (median), MB" "$(awk -v k="$rss_med" 'BEGIN { if (k == "") print "-"; else printf "%.1f", k / 1024 }')" "<=" 16 MB
target "worker RSS growth over the run, MB" "$(awk -v k="$rss_grow" 'BEGIN { if (k == "") print "-"; else printf "%.1f", k / 1024 }')" "<=" 1 MB

finish

#!/usr/bin/env bash
# tools/test.sh [all|unit|integration|browser|FILE...] - the whole suite (or
# the named test files), one prove run.
# Starts its own stack (real nginx, MariaDB, memcached) in a temporary var dir
# on a free port, runs every test against it, and stops it again.
# SANITIZE=1 uses the ASan+UBSan build (build/san/bin) for programs and tests.
# CLUSTER=1 (make cluster-test) runs them against a cluster instead
# (tools/cluster.sh: two hosts, a primary and a replica, two memcached, two
# pools, two generation workers, one nginx), leaving out the tests that say
# "# single box:" (they start, stop or count one box's parts themselves);
# tests that say "# cluster only:" run there and not in the default suite.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
what="${1:-all}"
# CLUSTER=1 tools/test.sh FILE...: named tests against a cluster too
cluster=0
[[ $what == cluster || ${CLUSTER:-0} == 1 ]] && cluster=1

if [[ "${SANITIZE:-0}" == 1 ]]; then
	BUILD=build/san
	BIN="$ROOT/build/san/bin"
	SAN_LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/imagier-san.XXXXXX")"
	export SAN_LOG_DIR
	export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:log_path=$SAN_LOG_DIR/asan"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$SAN_LOG_DIR/ubsan"
	export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp:print_suppressions=0"
else
	BUILD=build/rel
	BIN="$ROOT/bin"
fi
export IMAGIER_BIN="$BIN" IMAGIER_ROOT="$ROOT"
export MKIMAGE="$ROOT/$BUILD/tests/mkimage"

tests=()
case "$what" in
all | unit) for t in "$BUILD"/tests/test_*; do [[ $t == *.d ]] || tests+=("$t"); done ;;&
all) tests+=(tools/fuzz.sh) ;;&
all | integration)
	for t in tests/integration/t[0-9]*.sh; do
		grep -q '^# cluster only:' "$t" || tests+=("$t")
	done
	;;&
cluster)
	for t in tests/integration/t[0-9]*.sh; do
		grep -q '^# single box:' "$t" || tests+=("$t")
	done
	;;
all | browser) tests+=(tests/browser/t*.mjs) ;;
*/*) tests=("$@") ;; # named test files: tools/test.sh tests/integration/t1500-reports.sh
esac
# Last: under SANITIZE=1, no sanitizer report from any program of the run.
[[ "${SANITIZE:-0}" == 1 && "$what" == all ]] && tests+=(tests/t9999-sanitizer-reports.sh)

need_stack=0
[[ "$what" != unit ]] && need_stack=1

if ((need_stack)); then
	tools/deps.sh test
	STACK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/imagier-test.XXXXXX")"
	# (a cluster's socket paths are longer: a short directory)
	((cluster)) && STACK_DIR="$(mktemp -d /tmp/imct.XXXXXX)"
	# A free port: ask the kernel for one.
	PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000)))"
	export IMAGIER_VAR="$STACK_DIR/var" IMAGIER_PORT="$PORT"
	export IMAGIER_URL="http://127.0.0.1:$PORT" IMAGIER_SITE_BASE_URL="http://127.0.0.1:$PORT"
	export IMAGIER_ADMIN_PASSWORD="admin-test-password-42"
	# Small numbers so the suite exercises worker recycling and limits.
	export IMAGIER_SERVER_WORKERS=3 IMAGIER_SERVER_MAX_REQUESTS=150
	# Dead pool, generation worker or nginx come back by themselves; MariaDB
	# and memcached stay down when a test stops them (t9000-degrade.sh).
	export IMAGIER_SUPERVISE="fcgi gen nginx"
	# The suite makes many accounts, posts, likes and logins from 127.0.0.1
	# in minutes: rate limits far above that (t1800-ratelimits.sh lowers
	# them for itself and puts these back).
	for l in POST_PER_HOUR GENERATE_PER_HOUR COMMENT_PER_HOUR LIKE_PER_HOUR \
		REPORT_PER_DAY FOLLOW_PER_HOUR AVATAR_PER_HOUR; do
		export "IMAGIER_LIMITS_${l}=100000" "IMAGIER_LIMITS_${l}_ADDR=100000"
	done
	export IMAGIER_LIMITS_LOGIN_PER_5MIN_ADDR=100000 IMAGIER_LIMITS_SIGNUP_PER_HOUR_ADDR=100000
	export IMAGIER_LIMITS_INBOX_PER_MIN_HOST=100000
	# the Fedify peers and the stack are all on 127.0.0.1
	export IMAGIER_FEDERATION_ALLOW_PRIVATE=yes
	# The fake image-generation service (OpenAI and A1111 protocols) the
	# openai and a1111 backends talk to; imagier-gen reads these settings.
	FAKEGEN_LOG="$STACK_DIR/fakegen.log"
	coproc FAKEGEN { exec python3 tests/tools/fakegen.py --port 0 --key test-gen-key --log "$FAKEGEN_LOG"; }
	read -r -t 10 line <&"${FAKEGEN[0]}" || { echo "fakegen.py did not start" >&2; exit 1; }
	FAKEGEN_PORT="${line##* }"
	export FAKEGEN_LOG FAKEGEN_URL="http://127.0.0.1:$FAKEGEN_PORT"
	export IMAGIER_GEN_BACKENDS="procedural,openai,a1111"
	export IMAGIER_OPENAI_BASE_URL="$FAKEGEN_URL" IMAGIER_OPENAI_API_KEY=test-gen-key
	export IMAGIER_OPENAI_MODEL=fake-dalle IMAGIER_OPENAI_TIMEOUT=20
	export IMAGIER_A1111_BASE_URL="$FAKEGEN_URL" IMAGIER_A1111_TIMEOUT=20 IMAGIER_A1111_API_KEY=test-gen-key
	export IMAGIER_GEN_WORKER_ID="test-gen-1"
	if ((cluster)); then
		export IMAGIER_CLUSTER="$STACK_DIR/c" IMAGIER_VAR="$STACK_DIR/c/a"
		export IMAGIER_MEDIA_DIR="$STACK_DIR/c/shared/media" IMAGIER_MEDIA_EXPORTS="$STACK_DIR/c/shared/exports"
		# every part comes back by itself, as in production
		export IMAGIER_SUPERVISE="mariadb memcached fcgi gen nginx"
	fi
	cleanup() {
		if ((cluster)); then
			tools/cluster.sh stop >/dev/null 2>&1 || true
		fi
		tools/stack.sh stop >/dev/null 2>&1 || true
		[[ -n "${FAKEGEN_PID:-}" ]] && kill "$FAKEGEN_PID" 2>/dev/null || true
		if [[ "${KEEP_TEST_STACK:-0}" != 1 ]]; then rm -rf "$STACK_DIR"; else echo "# kept $STACK_DIR"; fi
	}
	trap cleanup EXIT
	start=(tools/stack.sh start)
	((cluster)) && start=(tools/cluster.sh start)
	if ! "${start[@]}" >"$STACK_DIR/start.log" 2>&1; then
		cat "$STACK_DIR/start.log" >&2
		exit 1
	fi
	# the command line (imagier delete-account ...) as host a runs it
	((cluster)) && eval "$(tools/cluster.sh env)"
fi

prove --exec '' --timer --failures ${IMAGIER_PROVE_VERBOSE:+--verbose} "${tests[@]}"

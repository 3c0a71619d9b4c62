# tests/integration/second_lib.sh - a second imagier instance ("B") beside the
# stack under test ("A"), for tests of two imagier servers federating with
# each other (t4300). Source it after lib.sh, then call two_start.
# shellcheck shell=bash disable=SC2034
#
# B is a whole instance of its own, started by tools/stack.sh like A: its
# var dir (under the test's TMP), nginx on a port of its own with
# site.base_url http://127.0.0.1:PORT, its FastCGI pool, imagier-gen,
# memcached, media tree and secrets, and a database and DB user of its own
# on A's MariaDB server (IMAGIER_DB_SHARED=1: a second server would cost
# mariadb-install-db's seconds and another buffer pool for nothing a test
# looks at). When the test exits, B is stopped and its database and user
# dropped.
#
#   two_start         start B (sets B_URL, B_HOST, B_PORT, B_VAR, B_DB)
#   on_a / on_b       point lib.sh's helpers (req, api, upload, sql,
#                     count_rows, cli, gen_log, mc_*) at A or at B
#   A_URL, A_HOST     A's base URL and host:port (the host of @name@host)

TWO_ROOT="${IMAGIER_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
A_URL=$IMAGIER_URL
A_HOST=${A_URL#http://}
A_VAR=$IMAGIER_VAR
A_PORT=$IMAGIER_PORT
A_SITE=${IMAGIER_SITE_BASE_URL:-$IMAGIER_URL}
B_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
B_URL="http://127.0.0.1:$B_PORT"
B_HOST="127.0.0.1:$B_PORT"
B_VAR="$TMP/b"
# its database and DB user: a name no other test uses ([A-Za-z0-9_])
B_DB="imagier_b$$"
A_DB_SOCK="$A_VAR/run/mysqld.sock"
A_MEDIA=$MEDIA
# a cluster's (tools/test.sh cluster): A's, never B's
A_CLUSTER_ENV=(IMAGIER_MEDIA_DIR="${IMAGIER_MEDIA_DIR:-}" IMAGIER_MEDIA_EXPORTS="${IMAGIER_MEDIA_EXPORTS:-}"
	IMAGIER_CLUSTER="${IMAGIER_CLUSTER:-}")

# two_env: the environment of B's programs (tools/stack.sh, the pool,
# imagier-gen, the command line), in the current shell. What the suite
# exports for A that would point B at A's parts is unset: a cluster's shared
# media tree, and cache or database settings.
two_env() {
	export IMAGIER_VAR=$B_VAR IMAGIER_PORT=$B_PORT IMAGIER_SITE_BASE_URL=$B_URL
	export IMAGIER_DB_SHARED=1 IMAGIER_DB_SOCKET=$A_DB_SOCK IMAGIER_DB_NAME=$B_DB IMAGIER_DB_USER=$B_DB
	export IMAGIER_COMPONENTS="memcached fcgi gen nginx" IMAGIER_GEN_WORKER_ID=test-gen-b
	unset IMAGIER_MEDIA_DIR IMAGIER_MEDIA_EXPORTS IMAGIER_CLUSTER IMAGIER_CACHE_SERVERS \
		IMAGIER_DB_HOST IMAGIER_DB_PORT IMAGIER_DB_REPLICAS IMAGIER_DB_NODES IMAGIER_DB_PASSWORD
}

# two_start: start B and wait until its /healthz answers (tools/stack.sh
# start waits for it). A test bails out when it cannot.
two_start() {
	local t0=$EPOCHREALTIME
	mkdir -p "$B_VAR"
	# nothing supervises B: a part that dies fails the test
	if ! (two_env && IMAGIER_SUPERVISE="" "$TWO_ROOT/tools/stack.sh" start) >"$TMP/b-start.log" 2>&1; then
		sed 's/^/# /' "$TMP/b-start.log" | tail -n 40
		echo "Bail out! the second instance did not start"
		exit 1
	fi
	echo "# instance B at $B_URL (database $B_DB) started in $(bc <<<"$EPOCHREALTIME - $t0") s"
}

# two_stop: stop B, drop its database and DB user (the EXIT trap).
two_stop() {
	[[ -d $B_VAR/run ]] || return 0
	(two_env && "$TWO_ROOT/tools/stack.sh" stop) >/dev/null 2>&1 || true
	mariadb --no-defaults --socket="$A_DB_SOCK" -u "$(id -un)" -e \
		"DROP DATABASE IF EXISTS \`$B_DB\`; DROP USER IF EXISTS '$B_DB'@'localhost'" 2>/dev/null || true
	rm -rf "$B_VAR"
}
# before the EXIT trap that was there (lib.sh's removes TMP, which holds B_VAR)
# shellcheck source=../trap.sh
source "$(dirname "${BASH_SOURCE[0]}")/../trap.sh"
trap_prepend two_stop

# on_a, on_b: which instance lib.sh's helpers talk to. sql() and
# count_rows() read IMAGIER_DB_SOCKET and IMAGIER_DB_NAME when set.
on_a() {
	export IMAGIER_URL=$A_URL IMAGIER_VAR=$A_VAR IMAGIER_PORT=$A_PORT IMAGIER_SITE_BASE_URL=$A_SITE
	unset IMAGIER_DB_SHARED IMAGIER_DB_SOCKET IMAGIER_DB_NAME IMAGIER_DB_USER
	local kv
	for kv in "${A_CLUSTER_ENV[@]}"; do
		[[ -z ${kv#*=} ]] || export "${kv?}"
	done
	MEDIA=$A_MEDIA
}
on_b() {
	export IMAGIER_URL=$B_URL IMAGIER_VAR=$B_VAR IMAGIER_PORT=$B_PORT IMAGIER_SITE_BASE_URL=$B_URL
	export IMAGIER_DB_SOCKET=$A_DB_SOCK IMAGIER_DB_NAME=$B_DB IMAGIER_DB_USER=$B_DB
	unset IMAGIER_MEDIA_DIR IMAGIER_MEDIA_EXPORTS IMAGIER_CLUSTER
	MEDIA="$B_VAR/media"
}

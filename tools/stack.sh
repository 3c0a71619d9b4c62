#!/usr/bin/env bash
# tools/stack.sh - run a complete local imagier stack: MariaDB, memcached,
# the FastCGI pool and nginx, all private to one var directory.
#
# Usage: tools/stack.sh COMMAND
#   setup         create the var dir, the database, the DB user and the
#                 secrets file (also done by start; safe to repeat)
#   start         setup, then start whatever is not running, migrate, create
#                 the first admin, and wait until /healthz answers 200
#   stop          stop everything (nginx, fcgi, memcached, mariadbd)
#   run           start, then stay in the foreground, restarting whatever
#                 dies; Ctrl-C stops it all
#   status        show which parts run (exit 0: all of them, 3: not all)
#   restart-fcgi  restart only the FastCGI pool (after a rebuild)
#   restart-gen   restart only the generation worker (imagier-gen)
#   replica       start only a MariaDB replica in the var dir, replicating
#                 (GTID) from IMAGIER_DB_PRIMARY, and wait until it has
#                 caught up; stop stops it (docs/OPERATIONS.md, "Replicas")
#   env           print the shell exports that point a program at this stack
#
# Environment:
#   IMAGIER_VAR   var dir (default: server.var of imagier.conf, ./var);
#                 a relative path is taken from the repository root
#   IMAGIER_PORT  port nginx listens on, on 127.0.0.1 only (default: the
#                 port this var dir's stack runs on, else server.port, 8080)
#   IMAGIER_BIN   where imagier and imagier-fcgi are (default <repo>/bin;
#                 build/san/bin for a SANITIZE=1 build)
#   IMAGIER_FCGI_CMD  testing hook: a command run instead of
#                 $IMAGIER_BIN/imagier-fcgi, split on blanks, with @SOCKET@
#                 replaced by the socket path (or host:port) of server.listen,
#                 e.g. IMAGIER_FCGI_CMD='build/rel/tests/hello-fcgi @SOCKET@'
#   IMAGIER_ADMIN_PASSWORD  passed through to "imagier create-admin"
#   IMAGIER_DB_LISTEN  a TCP port for mariadbd on 127.0.0.1 besides its
#                 socket: it then keeps a binary log (ROW, GTID) with server
#                 id IMAGIER_DB_SERVER_ID (default 1) and has the
#                 replication user imagier_repl, whose password is in
#                 the var dir's file repl-password (mode 600)
#   IMAGIER_DB_PRIMARY  for replica: the primary's 127.0.0.1:PORT, and
#                 IMAGIER_DB_REPL_PASSWORD the replication user's password;
#                 start with it set neither provisions nor migrates (the
#                 replica gets both from the primary)
#   IMAGIER_GALERA_ADDRESS  gcomm://127.0.0.1:P1,... : mariadbd is a node of
#                 that Galera cluster (galera-4; IMAGIER_DB_LISTEN its SQL
#                 port), listening for its peers on IMAGIER_GALERA_PORT,
#                 receiving IST on IMAGIER_GALERA_IST and SST (mariabackup) on
#                 IMAGIER_GALERA_SST; IMAGIER_GALERA_BOOTSTRAP=1 on the first
#                 node (it starts the cluster the first time only, and
#                 provisions and migrates: the others get it all by SST)
#   IMAGIER_COMPONENTS  what this var dir runs (default all: "mariadb
#                 memcached fcgi gen nginx"): one host of a cluster runs a
#                 part, e.g. "mariadb memcached fcgi gen" (tools/cluster.sh)
#   IMAGIER_DB_SHARED  1: this var dir runs no MariaDB of its own, but its
#                 database (db.name, for db.user) lives on the server of
#                 another var dir, at db.socket; start creates the database
#                 and the user there, as the OS user (the server's superuser),
#                 and migrates it, as it does on a server of its own. A
#                 second imagier instance beside a test stack runs this way
#                 (tests/integration/second_lib.sh)
#   IMAGIER_FCGI_UPSTREAM  the pools nginx sends to, blank-separated
#                 (default: this stack's own server.listen)
#   IMAGIER_SUPERVISE  the components restarted when they die (default: all,
#                 "mariadb memcached fcgi gen nginx"; empty: none). After
#                 start, a supervisor process (run/supervise.pid, log
#                 log/stack.log) checks every second; under run, the
#                 foreground script does. A component that dies again within
#                 30 s of its restart waits 1, 2, 4 ... up to 60 s. Nothing is
#                 restarted while another tools/stack.sh holds the lock.
#
# Everything is written under the var dir (and nothing outside it and the
# repository): db/ MariaDB data, run/ sockets and pid files, log/ logs,
# media/ images, nginx/ generated config, cache and temp files, tmp/
# MariaDB's tmpdir, imagier.conf the generated secrets (mode 600). Only
# nginx listens on TCP; everything else talks over unix sockets in run/,
# so stacks with different var dirs and ports run side by side.
set -euo pipefail

# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ROOT=$IMAGIER_ROOT_DIR

# ---- settings ---------------------------------------------------------------

VAR="$(abs_path "${IMAGIER_VAR:-$(ini_get "$ROOT/imagier.conf" server var)}")"
VAR=${VAR%/}
[[ $VAR != "$ROOT" ]] || VAR=$ROOT/var # server.var empty: the default
# Port: IMAGIER_PORT, else the one this stack runs on (so status and stop
# need only IMAGIER_VAR), else server.port, else 8080.
PORT=${IMAGIER_PORT:-$(cat "$VAR/run/port" 2>/dev/null || true)}
PORT=${PORT:-$(ini_get "$ROOT/imagier.conf" server port)}
PORT=${PORT:-8080}
BIN="$(abs_path "${IMAGIER_BIN:-bin}")"
RUN=$VAR/run
LOG=$VAR/log
URL="http://127.0.0.1:$PORT/"

# Paths go into nginx.conf and sed unquoted: keep to a safe alphabet.
[[ $VAR =~ ^/[A-Za-z0-9._/+@:,=-]+$ ]] ||
	die "IMAGIER_VAR '$VAR' has characters this script does not handle (blanks, quotes, ;{}\$...)"
[[ $ROOT =~ ^/[A-Za-z0-9._/+@:,=-]+$ ]] ||
	die "the repository path '$ROOT' has characters this script does not handle"
if ! [[ $PORT =~ ^[0-9]+$ ]] || ((PORT < 1 || PORT > 65535)); then
	die "IMAGIER_PORT '$PORT' is not a port number"
fi
# A unix socket path is limited to 107 bytes (sun_path); the longest of
# ours ends in "/memcached.sock" (15 bytes).
((${#RUN} + 15 <= 107)) ||
	die "IMAGIER_VAR is too long for unix socket paths ($RUN/memcached.sock > 107 bytes)"

# The C programs read these (see imagier.conf).
export IMAGIER_VAR=$VAR IMAGIER_PORT=$PORT IMAGIER_ROOT=$ROOT

# Effective values of the config keys the stack must agree with.
FCGI_LISTEN="$(cfg_get server listen "unix:$RUN/fcgi.sock")"
# Absolute links (feeds, oEmbed, image provenance) name this stack's address,
# unless the configuration names a public one.
if [[ -z "${IMAGIER_SITE_BASE_URL:-}" ]]; then
	base="$(cfg_get site base_url "")"
	[[ -z "$base" || "$base" == http://127.0.0.1:* ]] && base="http://127.0.0.1:${PORT:-8080}"
	export IMAGIER_SITE_BASE_URL="$base"
fi
MEDIA_DIR="$(abs_path "$(cfg_get media dir "$VAR/media")")"
EXPORTS_DIR="$(abs_path "$(cfg_get media exports "$VAR/exports")")"
DB_NAME="$(cfg_get db name imagier)"
DB_USER="$(cfg_get db user imagier)"
# The MariaDB server the superuser provisions: this var dir's own, or with
# IMAGIER_DB_SHARED=1 the one db.socket names.
DB_SOCK=$RUN/mysqld.sock
if [[ ${IMAGIER_DB_SHARED:-0} == 1 ]]; then
	DB_SOCK="$(abs_path "$(cfg_get db socket "")")"
	[[ $DB_SOCK != "$IMAGIER_ROOT_DIR/" && ! " ${IMAGIER_COMPONENTS:-mariadb} " == *" mariadb "* ]] ||
		die "IMAGIER_DB_SHARED=1 needs db.socket (another var dir's server) and no mariadb component"
fi

IS_ROOT=0
((EUID != 0)) || IS_ROOT=1
# MariaDB superuser: unix_socket auth as the OS user running this script
# (root, or the account mariadb-install-db created for a non-root user).
DB_SUPER="$(id -un)"

# Components in start order; stop goes the other way. The generation worker
# (imagier-gen) runs when it is built, unless IMAGIER_GEN=0.
COMPONENTS=()
for c in ${IMAGIER_COMPONENTS:-mariadb memcached fcgi gen nginx}; do
	case $c in
	mariadb | memcached | fcgi | nginx) COMPONENTS+=("$c") ;;
	gen) [[ ${IMAGIER_GEN:-1} == 0 || ! -x $BIN/imagier-gen || -n ${IMAGIER_FCGI_CMD:-} ]] ||
		COMPONENTS+=(gen) ;;
	*) die "IMAGIER_COMPONENTS: no component '$c' (mariadb memcached fcgi gen nginx)" ;;
	esac
done
((${#COMPONENTS[@]})) || die "IMAGIER_COMPONENTS names no component"
# runs COMPONENT: 0 if this var dir runs it.
runs() { [[ " ${COMPONENTS[*]} " == *" $1 "* ]]; }
STARTED=() # what this invocation started (stopped again if start fails)
SUPERVISE=" ${IMAGIER_SUPERVISE-mariadb memcached fcgi gen nginx} "

# ---- small helpers ----------------------------------------------------------

# pidfile and expected process name of a component.
# pidfile_of COMPONENT: its pid file, in PIDFILE (no process started: the
# supervisor asks every second); pidfile prints it.
pidfile_of() { PIDFILE="$RUN/${1/mariadb/mysqld}.pid"; }
pidfile() {
	pidfile_of "$1"
	printf '%s\n' "$PIDFILE"
}
procname() {
	case $1 in
	mariadb) echo mariadbd ;;
	memcached) echo memcached ;;
	nginx) echo nginx ;;
	fcgi) echo "" ;; # imagier-fcgi, or the IMAGIER_FCGI_CMD stand-in
	gen) echo imagier-gen ;;
	esac
}
# running COMPONENT: print its pid if it runs.
running() { pid_of "$(pidfile "$1")" "$(procname "$1")"; }

# logfile COMPONENT: its log, for the tails shown on failure.
logfile() {
	case $1 in
	mariadb) echo "$LOG/mariadb.log" ;;
	memcached) echo "$LOG/memcached.log" ;;
	fcgi) echo "$LOG/fcgi.log" ;;
	gen) echo "$LOG/gen.log" ;;
	nginx) echo "$LOG/nginx-error.log" ;;
	esac
}

# http_code PATH: the HTTP status nginx answers for PATH ("000": no answer).
http_code() {
	curl -s --noproxy '*' -o /dev/null -w '%{http_code}' --max-time 2 \
		"http://127.0.0.1:$PORT$1" || true
}

# healthy: /healthz answers 200 through nginx.
healthy() { [[ "$(http_code /healthz)" == 200 ]]; }

# port_in_use: something accepts connections on 127.0.0.1:$PORT.
port_in_use() {
	timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" 2>/dev/null
}

# log_mark LOG WHAT: a line in LOG saying who starts WHAT when, so the log
# tails shown on failure start at the right place.
log_mark() {
	printf -- '--- %s: tools/stack.sh starts %s\n' "$(date '+%F %T')" "$2" >>"$1"
}

# check_port: fail clearly when another program holds our port.
check_port() {
	if port_in_use; then
		die "port $PORT on 127.0.0.1 is already in use by another program;" \
			"choose another one with IMAGIER_PORT=..."
	fi
}

# wait_for SECONDS PID TEST...: poll TEST every 0.1 s until it succeeds
# (0), PID dies (1) or time runs out (2). PID may be empty.
wait_for() {
	local seconds=$1 pid=$2 i
	shift 2
	for ((i = 0; i < seconds * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		[[ -z $pid ]] || ! pid_gone "$pid" || return 1
		sleep 0.1
	done
	return 2
}

# lock: one stack.sh at a time per var dir. Daemons are started with fd 9
# closed so they never hold the lock.
lock() {
	exec 9>"$RUN/stack.lock"
	flock -w 120 9 || die "another tools/stack.sh is busy with $VAR"
}
unlock() { exec 9>&-; }

# ---- setup ------------------------------------------------------------------

setup_dirs() {
	mkdir -p "$VAR"/{run,log,media,db,nginx,tmp,exports} "$VAR"/nginx/{cache,tmp,conf.d}
	[[ $MEDIA_DIR == "$VAR/media" ]] || mkdir -p "$MEDIA_DIR"
	[[ $EXPORTS_DIR == "$VAR/exports" ]] || mkdir -p "$EXPORTS_DIR"
	chmod 700 "$VAR/db" "$VAR/run"
}

# db_install: create the MariaDB system tables in an empty VAR/db.
db_install() {
	[[ -d $VAR/db/mysql ]] && return 0
	[[ -z "$(ls -A "$VAR/db")" ]] ||
		die "$VAR/db is neither empty nor a MariaDB data directory"
	local args=(--no-defaults --datadir="$VAR/db" --auth-root-authentication-method=socket
		--skip-test-db)
	if ((IS_ROOT)); then
		args+=(--user=root)
	else
		args+=(--auth-root-socket-user="$DB_SUPER")
	fi
	info "creating the MariaDB data directory $VAR/db"
	if ! TMPDIR=$VAR/tmp mariadb-install-db "${args[@]}" \
		</dev/null >"$LOG/mariadb-install.log" 2>&1 9>&-; then
		tail_log "$LOG/mariadb-install.log" 30
		# Our own half-made data dir: remove it so the next try starts clean.
		rm -rf "${VAR:?}/db" && mkdir -p "$VAR/db"
		die "mariadb-install-db failed (log: $LOG/mariadb-install.log)"
	fi
}

# secrets: make sure VAR/imagier.conf has a DB password and a site secret.
# An existing file keeps its values; missing ones are appended.
secrets() {
	local conf=$VAR/imagier.conf pw secret
	pw="$(ini_get "$conf" db password)"
	secret="$(ini_get "$conf" site secret)"
	[[ -n $pw && -n $secret ]] && return 0
	(
		umask 077
		[[ -f $conf ]] || printf '; written by tools/stack.sh: secrets of this stack\n' >"$conf"
		[[ -n $pw ]] || printf '[db]\npassword = %s\n' "$(random_hex 16)" >>"$conf"
		[[ -n $secret ]] || printf '[site]\nsecret = %s\n' "$(random_hex 32)" >>"$conf"
	)
	chmod 600 "$conf"
}

# sql: run SQL from stdin as the MariaDB superuser.
sql() {
	mariadb --no-defaults --socket="$DB_SOCK" -u "$DB_SUPER" --batch 9>&-
}

# db_provision: the database and the app's DB user, with the password from
# VAR/imagier.conf (set again every time, so the two never disagree).
db_provision() {
	local pw esc
	pw="$(ini_get "$VAR/imagier.conf" db password)"
	# LIKE pattern for the per-test databases NAME_*: "_" must be escaped.
	esc=${DB_NAME//_/\\_}
	[[ $DB_NAME =~ ^[A-Za-z0-9_]+$ && $DB_USER =~ ^[A-Za-z0-9_]+$ ]] ||
		die "db.name and db.user must be [A-Za-z0-9_]+"
	[[ $pw =~ ^[A-Za-z0-9_.,:+/=-]+$ ]] ||
		die "db.password in $VAR/imagier.conf must be [A-Za-z0-9_.,:+/=-]+"
	sql <<-EOF || die "could not create database $DB_NAME (see $LOG/mariadb.log)"
		CREATE DATABASE IF NOT EXISTS \`$DB_NAME\`
		  CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
		CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$pw';
		ALTER USER '$DB_USER'@'localhost' IDENTIFIED BY '$pw';
		GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'localhost';
		GRANT ALL PRIVILEGES ON \`${esc}\\_%\`.* TO '$DB_USER'@'localhost';
	EOF
	[[ -n ${IMAGIER_DB_LISTEN:-} ]] || return 0
	local rpw
	rpw="$(cat "$VAR/repl-password" 2>/dev/null || true)"
	if [[ -z $rpw ]]; then
		rpw="$(random_hex 16)"
		(umask 077 && printf '%s\n' "$rpw" >"$VAR/repl-password")
	fi
	sql <<-EOF || die "could not create the replication user (see $LOG/mariadb.log)"
		CREATE USER IF NOT EXISTS 'imagier_repl'@'127.0.0.1' IDENTIFIED BY '$rpw';
		ALTER USER 'imagier_repl'@'127.0.0.1' IDENTIFIED BY '$rpw';
		GRANT REPLICATION SLAVE ON *.* TO 'imagier_repl'@'127.0.0.1';
		GRANT SLAVE MONITOR ON *.* TO '$DB_USER'@'localhost';
		CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$pw';
		ALTER USER '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$pw';
		GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'127.0.0.1';
		GRANT ALL PRIVILEGES ON \`${esc}\\_%\`.* TO '$DB_USER'@'127.0.0.1';
		GRANT SLAVE MONITOR ON *.* TO '$DB_USER'@'127.0.0.1';
	EOF
}

# cmd_replica: a MariaDB replica of IMAGIER_DB_PRIMARY in this var dir, from
# an empty data directory: it reads the primary's whole binary log (the
# primary keeps one from its first start with IMAGIER_DB_LISTEN), so it
# gets the database, the app's user and every row.
cmd_replica() {
	[[ -n ${IMAGIER_DB_PRIMARY:-} && -n ${IMAGIER_DB_LISTEN:-} && -n ${IMAGIER_DB_REPL_PASSWORD:-} ]] ||
		die "replica needs IMAGIER_DB_PRIMARY (127.0.0.1:PORT), IMAGIER_DB_LISTEN and IMAGIER_DB_REPL_PASSWORD"
	[[ $IMAGIER_DB_PRIMARY =~ ^127\.0\.0\.1:([0-9]+)$ ]] ||
		die "IMAGIER_DB_PRIMARY must be 127.0.0.1:PORT"
	local pport=${BASH_REMATCH[1]} gtid
	[[ ${IMAGIER_DB_SERVER_ID:-1} =~ ^[0-9]+$ && ${IMAGIER_DB_SERVER_ID:-1} != 1 ]] ||
		die "a replica needs its own IMAGIER_DB_SERVER_ID (not 1: the primary's)"
	[[ $IMAGIER_DB_REPL_PASSWORD =~ ^[A-Za-z0-9_.,:+/=-]+$ ]] ||
		die "IMAGIER_DB_REPL_PASSWORD must be [A-Za-z0-9_.,:+/=-]+"
	setup_dirs
	lock
	start_mariadb
	sql <<-EOF || die "could not start replicating (see $LOG/mariadb.log)"
		STOP SLAVE;
		CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$pport,
		  MASTER_USER='imagier_repl', MASTER_PASSWORD='$IMAGIER_DB_REPL_PASSWORD',
		  MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;
		START SLAVE;
	EOF
	gtid="$(MYSQL_PWD=$IMAGIER_DB_REPL_PASSWORD mariadb --no-defaults -h 127.0.0.1 -P "$pport" \
		-u imagier_repl -N -e 'SELECT @@gtid_binlog_pos' 2>/dev/null)" ||
		die "cannot read the primary's position at $IMAGIER_DB_PRIMARY"
	[[ $gtid =~ ^[0-9,-]*$ ]] || die "the primary's position '$gtid' is not a GTID list"
	local waited
	waited="$(sql <<<"SELECT MASTER_GTID_WAIT('$gtid', 60)")" ||
		die "could not ask the replica for its position (log: $LOG/mariadb.log)"
	[[ "$(tail -n 1 <<<"$waited")" == 0 ]] ||
		die "the replica did not catch up with $IMAGIER_DB_PRIMARY within 60 s (log: $LOG/mariadb.log)"
	unlock
	info "replica of $IMAGIER_DB_PRIMARY running (var: $VAR, port $IMAGIER_DB_LISTEN)"
}

# ---- the four daemons -------------------------------------------------------

# galera_args: mariadbd's arguments for a node of a Galera cluster, into
# start_mariadb's args.
galera_args() {
	local p
	for p in IMAGIER_DB_LISTEN IMAGIER_GALERA_PORT IMAGIER_GALERA_IST IMAGIER_GALERA_SST; do
		[[ ${!p:-} =~ ^[0-9]+$ ]] || die "$p is not a port (a Galera node needs it)"
	done
	[[ $IMAGIER_GALERA_ADDRESS =~ ^gcomm://[0-9.:,]+$ ]] ||
		die "IMAGIER_GALERA_ADDRESS must be gcomm://127.0.0.1:PORT,..."
	# The state-transfer scripts read their settings from mariadbd's
	# defaults file, else from /etc/mysql (which sends their log to
	# syslog): a file of our own, with nothing but that.
	printf '# written by tools/stack.sh: read by the Galera SST scripts\n[sst]\nsst-syslog = -1\n' \
		>"$VAR/galera.cnf"
	args[0]=--defaults-file="$VAR/galera.cnf"
	# The mariabackup SST script hands --innodb-buffer-pool-size on to
	# mariadb-backup, which refuses it (10.11): the default size, then.
	local keep=() a
	for a in "${args[@]}"; do
		[[ $a == --innodb-buffer-pool-size=* ]] || keep+=("$a")
	done
	args=("${keep[@]}")
	args+=(--port="$IMAGIER_DB_LISTEN" --bind-address=127.0.0.1 --skip-name-resolve
		--wsrep-on=ON --wsrep-provider=/usr/lib/galera/libgalera_smm.so
		--wsrep-cluster-name=imagier --wsrep-cluster-address="$IMAGIER_GALERA_ADDRESS"
		--wsrep-node-name="node-$IMAGIER_GALERA_PORT"
		--wsrep-node-address="127.0.0.1:$IMAGIER_GALERA_PORT"
		--wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:$IMAGIER_GALERA_PORT;ist.recv_addr=127.0.0.1:$IMAGIER_GALERA_IST;gcache.size=64M"
		--wsrep-sst-method=mariabackup --wsrep-sst-receive-address="127.0.0.1:$IMAGIER_GALERA_SST"
		--binlog-format=ROW --innodb-autoinc-lock-mode=2 --wsrep-sync-wait=1
		--log-bin-trust-function-creators=1)
	# The first node starts the cluster the first time, and again when it
	# was the last to leave it cleanly (Galera wrote safe_to_bootstrap: 1);
	# started again after a crash, it joins the others like any node.
	if [[ ${IMAGIER_GALERA_BOOTSTRAP:-0} == 1 ]] && { [[ ! -e $VAR/db/grastate.dat ]] ||
		grep -q '^safe_to_bootstrap: *1' "$VAR/db/grastate.dat"; }; then
		args+=(--wsrep-new-cluster)
	fi
}

start_mariadb() {
	runs mariadb || return 0
	running mariadb >/dev/null && return 0
	db_install
	local args=(--no-defaults --datadir="$VAR/db" --socket="$RUN/mysqld.sock"
		--pid-file="$RUN/mysqld.pid" --log-error="$LOG/mariadb.log"
		--tmpdir="$VAR/tmp" --innodb-buffer-pool-size=256M
		--innodb-flush-log-at-trx-commit=1 --character-set-server=utf8mb4
		--collation-server=utf8mb4_unicode_ci --max-connections=200)
	if [[ -n ${IMAGIER_GALERA_ADDRESS:-} ]]; then
		galera_args
	elif [[ -n ${IMAGIER_DB_LISTEN:-} ]]; then
		[[ $IMAGIER_DB_LISTEN =~ ^[0-9]+$ ]] || die "IMAGIER_DB_LISTEN is not a port"
		# A replicated server: TCP on loopback for its peers, a binary log
		# of rows with GTIDs, its own server id.
		args+=(--port="$IMAGIER_DB_LISTEN" --bind-address=127.0.0.1 --log-bin=binlog
			--binlog-format=ROW --log-slave-updates --server-id="${IMAGIER_DB_SERVER_ID:-1}"
			--sync-binlog=1
			--skip-name-resolve --log-bin-trust-function-creators=1)
		[[ -n ${IMAGIER_DB_PRIMARY:-} ]] && args+=(--read-only=1)
	else
		args+=(--skip-networking)
	fi
	((IS_ROOT)) && args+=(--user=root)
	log_mark "$LOG/mariadb.log" mariadbd
	# setsid: its own session, so Ctrl-C on `run` reaches only this script.
	setsid mariadbd "${args[@]}" </dev/null >>"$LOG/mariadb.log" 2>&1 9>&- &
	local pid=$!
	STARTED+=(mariadb)
	# (a Galera node that joins copies the data first: SST)
	wait_for 90 "$pid" mariadb-admin --no-defaults --socket="$RUN/mysqld.sock" \
		-u "$DB_SUPER" --connect-timeout=1 ping ||
		die "mariadbd did not come up (log: $LOG/mariadb.log)"
	# mariadbd writes its pid file itself, shortly after the socket.
	wait_for 5 "$pid" test -s "$RUN/mysqld.pid" || echo "$pid" >"$RUN/mysqld.pid"
}

start_memcached() {
	runs memcached || return 0
	running memcached >/dev/null && return 0
	local sock=$RUN/memcached.sock
	local args=(-d -s "$sock" -a 0700 -m 64 -c 1024 -P "$RUN/memcached.pid")
	((IS_ROOT)) && args+=(-u root)
	rm -f "$sock"
	memcached "${args[@]}" </dev/null >>"$LOG/memcached.log" 2>&1 9>&- ||
		die "memcached did not start (log: $LOG/memcached.log)"
	STARTED+=(memcached)
	wait_for 10 "" test -S "$sock" -a -s "$RUN/memcached.pid" ||
		die "memcached did not create $sock"
}

# fcgi_command: the pool's command line, into the array FCGI_CMD.
fcgi_command() {
	local sock=${FCGI_LISTEN#unix:} i
	if [[ -n ${IMAGIER_FCGI_CMD:-} ]]; then
		read -r -a FCGI_CMD <<<"$IMAGIER_FCGI_CMD"
		for i in "${!FCGI_CMD[@]}"; do
			FCGI_CMD[i]=${FCGI_CMD[i]//@SOCKET@/$sock}
		done
		[[ ${FCGI_CMD[0]} == */* ]] && FCGI_CMD[0]="$(abs_path "${FCGI_CMD[0]}")"
	else
		FCGI_CMD=("$BIN/imagier-fcgi")
	fi
	[[ -x ${FCGI_CMD[0]} ]] || command -v "${FCGI_CMD[0]}" >/dev/null ||
		die "${FCGI_CMD[0]} does not exist: run make first"
}

start_fcgi() {
	runs fcgi || return 0
	running fcgi >/dev/null && return 0
	local -a FCGI_CMD=()
	local pid
	fcgi_command
	[[ $FCGI_LISTEN != unix:* ]] || rm -f "${FCGI_LISTEN#unix:}"
	log_mark "$LOG/fcgi.log" "${FCGI_CMD[*]}"
	# Foreground program in its own session; we keep its pid.
	(cd "$ROOT" && exec setsid "${FCGI_CMD[@]}") </dev/null >>"$LOG/fcgi.log" 2>&1 9>&- &
	pid=$!
	echo "$pid" >"$RUN/fcgi.pid"
	STARTED+=(fcgi)
	if [[ $FCGI_LISTEN == unix:* ]]; then
		local rc=0
		wait_for 30 "$pid" test -S "${FCGI_LISTEN#unix:}" || rc=$?
		((rc != 1)) || die "${FCGI_CMD[0]##*/} exited at once (log: $LOG/fcgi.log)"
		((rc == 0)) || die "${FCGI_CMD[0]##*/} does not listen on $FCGI_LISTEN after 30 s"
	fi
}

# start_gen: the generation worker (drains the queue; see imagier.conf [gen]).
start_gen() {
	runs gen || return 0
	running gen >/dev/null && return 0
	local pid
	log_mark "$LOG/gen.log" "$BIN/imagier-gen"
	(cd "$ROOT" && exec setsid "$BIN/imagier-gen") </dev/null >>"$LOG/gen.log" 2>&1 9>&- &
	pid=$!
	echo "$pid" >"$RUN/gen.pid"
	STARTED+=(gen)
	sleep 0.2
	kill -0 "$pid" 2>/dev/null || die "imagier-gen exited at once (log: $LOG/gen.log)"
}

# nginx_conf: VAR/nginx/nginx.conf from nginx/standalone.conf.in, checked.
nginx_conf() {
	local conf=$VAR/nginx/nginx.conf out pool servers=""
	# max_fails=1 fail_timeout=2s: a pool that failed once is skipped for
	# 2 s, then tried again by one request.
	for pool in ${IMAGIER_FCGI_UPSTREAM:-$FCGI_LISTEN}; do
		[[ $pool == unix:* || $pool =~ ^[A-Za-z0-9._-]+:[0-9]+$ ]] ||
			die "IMAGIER_FCGI_UPSTREAM: '$pool' is neither unix:PATH nor host:port"
		servers+="		server $pool max_fails=1 fail_timeout=2s;\n"
	done
	{
		((IS_ROOT)) && printf '# as root: workers run as root to read the var dir\nuser root;\n'
		sed -e "s|@VAR@|$VAR|g" -e "s|@ROOT@|$ROOT|g" -e "s|@PORT@|$PORT|g" \
			-e "/^#/!s|@FCGI_SERVERS@|$servers|g" -e "s|@MEDIA@|$MEDIA_DIR|g" \
			-e "s|@EXPORTS@|$EXPORTS_DIR|g" \
			"$ROOT/nginx/standalone.conf.in"
	} >"$conf.tmp"
	mv "$conf.tmp" "$conf"
	if ! out="$(nginx -t -q -p "$VAR/nginx" -c "$conf" -e "$LOG/nginx-error.log" 2>&1 9>&-)"; then
		printf '%s\n' "$out" >&2
		die "the generated $conf is not valid"
	fi
}

start_nginx() {
	runs nginx || return 0
	running nginx >/dev/null && return 0
	check_port
	nginx_conf
	# -e: where nginx logs before it has read the config (the same file).
	# shellcheck disable=SC2094
	nginx -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf" -e "$LOG/nginx-error.log" \
		</dev/null >/dev/null 2>>"$LOG/nginx-error.log" 9>&- ||
		die "nginx did not start (log: $LOG/nginx-error.log)"
	STARTED+=(nginx)
	echo "$PORT" >"$RUN/port"
	wait_for 10 "" test -s "$RUN/nginx.pid" || die "nginx wrote no pid file"
}

# migrate: apply SQL migrations and make sure an admin exists. Skipped with
# a warning while bin/imagier is not built.
migrate() {
	if [[ ! -x $BIN/imagier ]]; then
		warn "$BIN/imagier not built: migrations and admin account skipped"
		return 0
	fi
	(cd "$ROOT" && "$BIN/imagier" migrate </dev/null 9>&-) ||
		die "imagier migrate failed"
	# Prints the new admin's password once, when it creates the account.
	(cd "$ROOT" && "$BIN/imagier" create-admin </dev/null 9>&-) ||
		die "imagier create-admin failed"
}

stop_component() {
	local c=$1 pid timeout=20
	[[ $c == mariadb ]] && timeout=120 # InnoDB may flush for a while
	if pid="$(running "$c")"; then
		info "stopping $c (pid $pid)"
		stop_pid "$pid" "$c" "$timeout" || true
	fi
	rm -f "$(pidfile "$c")"
	case $c in
	memcached) rm -f "$RUN/memcached.sock" ;;
	fcgi) [[ $FCGI_LISTEN != unix:* ]] || rm -f "${FCGI_LISTEN#unix:}" ;;
	nginx) rm -f "$RUN/port" ;;
	esac
}

# ---- supervision ------------------------------------------------------------

declare -A SUP_FAILS=() SUP_LAST=() SUP_NEXT=() SUP_SEEN=()

# still_running COMPONENT: 0 if it runs. The process running() vouched for
# last time (its pid and start time) is taken again on the shell's own
# reads, without a fork; anything else gets running()'s whole check. The
# supervisor asks every second, and running()'s half-dozen processes per
# component cost a busy 2-core machine 15 % of a core.
still_running() {
	local c=$1 pid st PIDFILE
	pidfile_of "$c"
	{ read -r pid <"$PIDFILE" && read -r st <"/proc/$pid/stat"; } 2>/dev/null || return 1
	st=${st##*) }
	read -r -a st <<<"$st"
	[[ ${st[0]} != Z ]] || return 1
	[[ ${SUP_SEEN[$c]:-} == "$pid:${st[19]}" ]] && return 0
	running "$c" >/dev/null || return 1
	SUP_SEEN[$c]="$pid:${st[19]}"
}

# supervise_once: restart each supervised component that is not running,
# with backoff, if no other tools/stack.sh holds the lock. Returns 3 when
# every component is down (the stack was stopped from elsewhere).
supervise_once() {
	local c dead=() now delay
	[[ -d $RUN ]] || return 3
	# Nothing to do while everything runs: no lock, no process started.
	for c in "${COMPONENTS[@]}"; do
		still_running "$c" || dead+=("$c")
	done
	((${#dead[@]})) || return 0
	dead=()
	exec 8>"$RUN/stack.lock"
	if ! flock -n 8; then
		exec 8>&-
		return 0
	fi
	for c in "${COMPONENTS[@]}"; do
		running "$c" >/dev/null || dead+=("$c")
	done
	if ((${#dead[@]} == ${#COMPONENTS[@]})); then
		exec 8>&-
		return 3
	fi
	now=$(date +%s)
	for c in "${dead[@]}"; do
		[[ $SUPERVISE == *" $c "* ]] || continue
		((now >= ${SUP_NEXT[$c]:-0})) || continue
		if ((now - ${SUP_LAST[$c]:-0} < 30)); then
			SUP_FAILS[$c]=$((${SUP_FAILS[$c]:-0} + 1))
		else
			SUP_FAILS[$c]=0
		fi
		delay=$((1 << ${SUP_FAILS[$c]}))
		((delay <= 60)) || delay=60
		((SUP_FAILS[$c] == 0)) && delay=0
		if ((delay > 0 && now < ${SUP_LAST[$c]:-0} + delay)); then
			SUP_NEXT[$c]=$((SUP_LAST[$c] + delay))
			warn "$(date '+%F %T') supervise: $c died again within 30 s of its restart; next try in ${delay}s"
			continue
		fi
		warn "$(date '+%F %T') supervise: $c is not running; restarting it"
		tail_log "$(logfile "$c")" 10
		SUP_LAST[$c]=$now
		if (start_"$c") 8>&- 9>&-; then
			info "$(date '+%F %T') supervise: $c restarted (pid $(running "$c" || echo ?))"
		else
			warn "$(date '+%F %T') supervise: restarting $c failed (log: $(logfile "$c"))"
		fi
	done
	exec 8>&-
	return 0
}

# supervisor_pid: the pid of this stack's background supervisor, if it runs.
supervisor_pid() {
	local pid
	pid="$(pid_of "$RUN/supervise.pid")" || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'stack.sh supervise' || return 1
	echo "$pid"
}

# start_supervisor: the background supervisor of a started stack (not under
# run, whose foreground loop supervises).
start_supervisor() {
	[[ -n ${SUPERVISE// /} && ${STACK_FOREGROUND:-0} == 0 ]] || return 0
	supervisor_pid >/dev/null && return 0
	setsid "$ROOT/tools/stack.sh" supervise </dev/null >>"$LOG/stack.log" 2>&1 8>&- 9>&- &
	echo $! >"$RUN/supervise.pid"
}

stop_supervisor() {
	local pid
	if pid="$(supervisor_pid)"; then
		stop_pid "$pid" supervisor 10 || true
	fi
	rm -f "$RUN/supervise.pid"
}

# cmd_supervise: the background supervisor's loop (started by start).
cmd_supervise() {
	local stop=0
	trap 'stop=1' INT TERM HUP
	info "$(date '+%F %T') supervise: watching ${SUPERVISE} in $VAR (pid $$)"
	while ((!stop)); do
		sleep 1 &
		wait $! || true
		((stop)) && break
		supervise_once || {
			info "$(date '+%F %T') supervise: the stack was stopped; leaving"
			break
		}
	done
}

# ---- commands ---------------------------------------------------------------

cmd_setup() {
	setup_dirs
	lock
	start_mariadb
	secrets
	db_provision
	# Leave MariaDB as it was found: setup alone starts nothing for good.
	if [[ " ${STARTED[*]} " == *" mariadb "* ]]; then
		stop_component mariadb
	fi
	unlock
	info "setup done in $VAR"
}

# on_start_exit: when start fails, show the logs and stop what it started.
on_start_exit() {
	local rc=$? c i
	((rc != 0)) || return 0
	# The logs of what we started, or of everything if we started nothing.
	for c in "${STARTED[@]:-${COMPONENTS[@]}}"; do
		tail_log "$(logfile "$c")" 15
	done
	for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
		stop_component "${STARTED[i]}"
	done
	exit "$rc"
}

cmd_start() {
	local c all=1 old_port
	setup_dirs
	lock
	for c in "${COMPONENTS[@]}"; do
		running "$c" >/dev/null || all=0
	done
	old_port="$(cat "$RUN/port" 2>/dev/null || true)"
	if runs nginx && running nginx >/dev/null && [[ -n $old_port && $old_port != "$PORT" ]]; then
		die "this stack ($VAR) already runs on port $old_port, not $PORT; stop it first"
	fi
	if ((all)) && { ! runs nginx || healthy; }; then
		start_supervisor
		unlock
		info "already running at $URL"
		return 0
	fi
	# Before starting anything: is the port free?
	! runs nginx || running nginx >/dev/null || check_port
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	trap on_start_exit EXIT
	start_mariadb
	secrets
	# A replica gets the users and the schema from its primary; a host
	# without a database leaves them to the one that has it.
	local own_db=0
	runs mariadb && [[ -z ${IMAGIER_DB_PRIMARY:-} ]] && own_db=1
	[[ -n ${IMAGIER_GALERA_ADDRESS:-} && ${IMAGIER_GALERA_BOOTSTRAP:-0} != 1 ]] && own_db=0
	[[ ${IMAGIER_DB_SHARED:-0} == 1 ]] && own_db=1
	((!own_db)) || db_provision
	start_memcached
	((!own_db)) || migrate
	start_fcgi
	start_gen
	start_nginx
	if runs nginx; then
		wait_for 30 "" healthy ||
			die "${URL}healthz answers $(http_code /healthz), not 200, after 30 s"
	fi
	trap - EXIT
	start_supervisor
	unlock
	info "running at $URL (var: $VAR)"
}

cmd_stop() {
	local i stopped=0
	[[ -d $RUN ]] || {
		info "nothing to stop in $VAR"
		return 0
	}
	stop_supervisor
	lock
	for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
		running "${COMPONENTS[i]}" >/dev/null && stopped=1
		stop_component "${COMPONENTS[i]}"
	done
	if ((stopped)); then
		info "stopped ($VAR)"
	else
		info "was not running ($VAR)"
	fi
	unlock
}

cmd_status() {
	local c pid all=1 code
	for c in "${COMPONENTS[@]}"; do
		if pid="$(running "$c")"; then
			printf '%-10s running (pid %s)\n' "$c" "$pid"
		else
			printf '%-10s stopped\n' "$c"
			all=0
		fi
	done
	code="$(http_code /healthz)"
	printf '%-10s %s\n' healthz "${URL}healthz -> $code"
	printf '%-10s %s\n' var "$VAR"
	((all)) || return 3
}

# cmd_run: start, then wait, restarting whatever dies (supervise_once);
# Ctrl-C or SIGTERM stops it all.
cmd_run() {
	local stop=0 rc=0
	# A dead reader (e.g. tee killed by the same Ctrl-C) must not kill us
	# before the stack is stopped: writes then just fail.
	trap '' PIPE
	STACK_FOREGROUND=1
	# This script supervises now, not a background supervisor.
	[[ -d $RUN ]] && stop_supervisor
	cmd_start
	info "in the foreground: Ctrl-C stops the whole stack"
	trap 'stop=1' INT TERM HUP
	while ((!stop)); do
		sleep 1 &
		wait $! || true
		((stop)) && break
		supervise_once || {
			info "the stack was stopped from elsewhere"
			return 0
		}
	done
	echo 2>/dev/null || true
	cmd_stop
	return "$rc"
}

cmd_restart_fcgi() {
	setup_dirs
	lock
	runs fcgi || die "this stack ($VAR) runs no FastCGI pool"
	running "${COMPONENTS[-1]}" >/dev/null || die "the stack in $VAR is not running: use start"
	stop_component fcgi
	trap on_start_exit EXIT
	start_fcgi
	if runs nginx; then
		wait_for 30 "" healthy ||
			die "${URL}healthz does not answer 200 after restarting the pool"
	fi
	trap - EXIT
	info "fcgi restarted; $URL"
}

cmd_restart_gen() {
	setup_dirs
	lock
	runs gen || die "this stack ($VAR) runs no generation worker"
	running "${COMPONENTS[-1]}" >/dev/null || die "the stack in $VAR is not running: use start"
	stop_component gen
	start_gen
	info "imagier-gen restarted"
}

cmd_env() {
	printf 'export IMAGIER_VAR=%s IMAGIER_PORT=%s IMAGIER_ROOT=%s\n' "$VAR" "$PORT" "$ROOT"
	printf 'export IMAGIER_URL=%s\n' "$URL"
}

main() {
	case ${1:-} in
	setup) cmd_setup ;;
	start) cmd_start ;;
	stop) cmd_stop ;;
	run) cmd_run ;;
	supervise) cmd_supervise ;;
	status) cmd_status ;;
	restart-fcgi) cmd_restart_fcgi ;;
	restart-gen) cmd_restart_gen ;;
	replica) cmd_replica ;;
	env) cmd_env ;;
	-h | --help | help) sed -n '2,/^set /p' "$0" | sed -n 's/^# \{0,1\}//p' ;;
	*)
		sed -n '2,/^set /p' "$0" | sed -n 's/^# \{0,1\}//p' >&2
		exit 2
		;;
	esac
}

main "$@"

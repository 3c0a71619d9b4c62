#!/usr/bin/env bash
# tools/cluster.sh - imagier as a cluster on loopback: two "hosts", each a
# var dir of its own run by tools/stack.sh, sharing one media tree.
#
#   host a   MariaDB primary (binary log, GTID), memcached, FastCGI pool,
#            imagier-gen (worker a), and the one nginx, whose upstream
#            holds both pools
#   host b   MariaDB replica of a, memcached, FastCGI pool, imagier-gen
#            (worker b)
#   shared/  media/ and exports/, the tree both hosts write (NFS or the
#            like in production: docs/SCALING.md)
#
# Both pools read from the replica and write to the primary, and hash the
# cache over both memcached servers (ketama). Every part is supervised:
# one that dies is started again by its host's supervisor.
#
# Usage: tools/cluster.sh COMMAND
#   start    bring it all up (again), and wait until both pools answer
#   stop     stop it all
#   status   what runs, host by host
#   env      the shell exports that point a program (or a test) at it
#   host a|b CMD...   run CMD with the environment of that host's
#            tools/stack.sh (e.g. tools/cluster.sh host b tools/stack.sh
#            restart-fcgi)
#
# Environment:
#   IMAGIER_CLUSTER  its directory (default: <repo>/var/cluster); short, for
#                    unix socket paths
#   IMAGIER_PORT     nginx's port on 127.0.0.1 (default 8080)
#   IMAGIER_BIN      as for tools/stack.sh
# The database ports are chosen free at the first start and kept in
# IMAGIER_CLUSTER/ports.
set -euo pipefail

# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ROOT=$IMAGIER_ROOT_DIR
STACK=$ROOT/tools/stack.sh

C="$(abs_path "${IMAGIER_CLUSTER:-var/cluster}")"
C=${C%/}
PORT=${IMAGIER_PORT:-8080}
[[ $C =~ ^/[A-Za-z0-9._/+@:,=-]+$ ]] || die "IMAGIER_CLUSTER '$C' has characters this script does not handle"
((${#C} + 17 <= 107)) || die "IMAGIER_CLUSTER is too long for unix socket paths"

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ports: the two database ports, chosen once.
ports() {
	mkdir -p "$C"
	if [[ ! -s $C/ports ]]; then
		printf 'DB_A=%s\nDB_B=%s\n' "$(free_port)" "$(free_port)" >"$C/ports"
	fi
	# shellcheck disable=SC1091
	source "$C/ports"
	[[ $DB_A =~ ^[0-9]+$ && $DB_B =~ ^[0-9]+$ ]] || die "$C/ports is not two port numbers"
}

# host_env NAME: the exports of host NAME's tools/stack.sh.
host_env() {
	local h=$1
	ports
	export IMAGIER_VAR=$C/$h IMAGIER_PORT=$PORT
	export IMAGIER_MEDIA_DIR=$C/shared/media IMAGIER_MEDIA_EXPORTS=$C/shared/exports
	export IMAGIER_CACHE_SERVERS="$C/a/run/memcached.sock,$C/b/run/memcached.sock"
	export IMAGIER_DB_HOST=127.0.0.1 IMAGIER_DB_PORT=$DB_A IMAGIER_DB_REPLICAS=127.0.0.1:$DB_B
	export IMAGIER_GEN_WORKER_ID=$h
	if [[ $h == a ]]; then
		export IMAGIER_DB_LISTEN=$DB_A IMAGIER_DB_SERVER_ID=1
		export IMAGIER_COMPONENTS="mariadb memcached fcgi gen nginx"
		export IMAGIER_FCGI_UPSTREAM="unix:$C/a/run/fcgi.sock unix:$C/b/run/fcgi.sock"
		unset IMAGIER_DB_PRIMARY
	else
		export IMAGIER_DB_LISTEN=$DB_B IMAGIER_DB_SERVER_ID=2
		export IMAGIER_COMPONENTS="mariadb memcached fcgi gen"
		export IMAGIER_DB_PRIMARY=127.0.0.1:$DB_A
		IMAGIER_DB_REPL_PASSWORD="$(cat "$C/a/repl-password" 2>/dev/null || true)"
		export IMAGIER_DB_REPL_PASSWORD
	fi
}

cmd_start() {
	mkdir -p "$C/shared/media" "$C/shared/exports"
	info "host a: the primary, memcached, a pool, imagier-gen and nginx"
	(host_env a && "$STACK" start)
	# Host b shares a's secrets: the site secret signs sessions and CSRF
	# tokens whichever pool answers, and the DB password is one.
	mkdir -p "$C/b"
	(umask 077 && cp "$C/a/imagier.conf" "$C/b/imagier.conf")
	info "host b: a replica of a, memcached, a pool and imagier-gen"
	(host_env b && "$STACK" replica && "$STACK" start)
	local i
	for i in $(seq 1 100); do
		[[ -S $C/a/run/fcgi.sock && -S $C/b/run/fcgi.sock ]] &&
			[[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")" == 200 ]] &&
			break
		sleep 0.1
	done
	info "cluster running at http://127.0.0.1:$PORT/ ($C)"
}

cmd_stop() {
	[[ -d $C ]] || {
		info "no cluster in $C"
		return 0
	}
	# The replica first, then the primary it reads from.
	(host_env b && "$STACK" stop) || true
	(host_env a && "$STACK" stop) || true
}

cmd_status() {
	local rc=0
	echo "== host a"
	(host_env a && "$STACK" status) || rc=3
	echo "== host b"
	(host_env b && "$STACK" status) || rc=3
	return "$rc"
}

cmd_env() {
	ports
	printf 'export IMAGIER_CLUSTER=%s IMAGIER_PORT=%s IMAGIER_URL=http://127.0.0.1:%s\n' "$C" "$PORT" "$PORT"
	printf 'export IMAGIER_VAR=%s/a IMAGIER_CLUSTER_DB_A=%s IMAGIER_CLUSTER_DB_B=%s\n' "$C" "$DB_A" "$DB_B"
}

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) cmd_env ;;
host)
	[[ ${2:-} == a || ${2:-} == b ]] && (($# > 2)) || die "usage: tools/cluster.sh host a|b CMD..."
	h=$2
	shift 2
	host_env "$h"
	exec "$@"
	;;
*)
	sed -n '2,/^set /p' "$0" | sed -n 's/^# \{0,1\}//p' >&2
	exit 2
	;;
esac

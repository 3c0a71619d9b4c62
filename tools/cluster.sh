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
#            like in production: docs/OPERATIONS.md, "Scale-out")
#
# Each host's var dir has an imagier.conf of its own, written here: the
# secrets all share, and that host's database, cache and media settings.
# Both pools read from the replica and write to the primary, and hash the
# cache over both memcached servers (ketama). Every part is supervised:
# one that dies is started again by its host's supervisor.
#
# GALERA=1: instead of a primary and a replica, a 3-node MariaDB Galera
# cluster (galera-4): node 1 on host a, node 2 on host b, node 3 on host c
# (a database alone). Every node takes writes; each pool talks to its
# host's node first ([db] nodes) and to the next one that answers when it
# is gone. Chosen at the first start (kept in IMAGIER_CLUSTER/kind).
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
#   GALERA           1: the database is a Galera cluster (above)
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

# ports: the database ports (and Galera's), chosen once, and the kind.
ports() {
	mkdir -p "$C"
	if [[ ! -s $C/ports ]]; then
		local v
		for v in DB_A DB_B DB_C G_A G_B G_C IST_A IST_B IST_C SST_A SST_B SST_C; do
			printf '%s=%s\n' "$v" "$(free_port)"
		done >"$C/ports"
	fi
	[[ -s $C/kind ]] || { [[ ${GALERA:-0} == 1 ]] && echo galera || echo replicas; } >"$C/kind"
	KIND="$(cat "$C/kind")"
	# shellcheck disable=SC1091
	source "$C/ports"
	[[ $DB_A =~ ^[0-9]+$ && $DB_B =~ ^[0-9]+$ && ${SST_C:-} =~ ^[0-9]+$ ]] ||
		die "$C/ports does not hold the port numbers (remove it and start again)"
}

# galera_env NAME: the exports that make host NAME's mariadbd a Galera node.
galera_env() {
	local h=${1^^}
	local db="DB_$h" g="G_$h" ist="IST_$h" sst="SST_$h"
	export IMAGIER_DB_LISTEN=${!db} IMAGIER_GALERA_PORT=${!g} IMAGIER_GALERA_IST=${!ist}
	export IMAGIER_GALERA_SST=${!sst}
	export IMAGIER_GALERA_ADDRESS="gcomm://127.0.0.1:$G_A,127.0.0.1:$G_B,127.0.0.1:$G_C"
	export IMAGIER_GALERA_BOOTSTRAP=0
	[[ $1 == a ]] && IMAGIER_GALERA_BOOTSTRAP=1
	# the host's own node first, then the others
	case $1 in
	a) IMAGIER_DB_NODES="127.0.0.1:$DB_A,127.0.0.1:$DB_B,127.0.0.1:$DB_C" ;;
	b) IMAGIER_DB_NODES="127.0.0.1:$DB_B,127.0.0.1:$DB_C,127.0.0.1:$DB_A" ;;
	c) IMAGIER_DB_NODES="127.0.0.1:$DB_C,127.0.0.1:$DB_A,127.0.0.1:$DB_B" ;;
	esac
	export IMAGIER_DB_NODES
	unset IMAGIER_DB_PRIMARY IMAGIER_DB_REPLICAS IMAGIER_DB_REPL_PASSWORD
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
	if [[ $KIND == galera ]]; then
		galera_env "$h"
		case $h in
		a) export IMAGIER_COMPONENTS="mariadb memcached fcgi gen nginx" ;;
		b) export IMAGIER_COMPONENTS="mariadb memcached fcgi gen" ;;
		c) export IMAGIER_COMPONENTS="mariadb" ;;
		esac
		export IMAGIER_FCGI_UPSTREAM="unix:$C/a/run/fcgi.sock unix:$C/b/run/fcgi.sock"
		return 0
	fi
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

# write_confs: each host's imagier.conf, what a program run with that var
# dir reads (the pool, imagier-gen, the command line): the secrets all hosts
# share (the site secret signs sessions and CSRF wherever they are checked;
# one database password), then the host's cluster settings, as an operator
# would write them on a real host.
write_confs() {
	local h v
	if [[ ! -s $C/secrets ]]; then
		(umask 077 && printf 'DB_PASSWORD=%s\nSITE_SECRET=%s\n' "$(random_hex 16)" "$(random_hex 32)" >"$C/secrets")
	fi
	# shellcheck disable=SC1091
	source "$C/secrets"
	for h in a b c; do
		[[ $h != c || $KIND == galera ]] || continue
		mkdir -p "$C/$h"
		(
			host_env "$h"
			umask 077
			{
				printf '; written by tools/cluster.sh: host %s of the cluster in %s\n' "$h" "$C"
				printf '[db]\npassword = %s\n' "$DB_PASSWORD"
				if [[ $KIND == galera ]]; then
					printf 'nodes = %s\n' "$IMAGIER_DB_NODES"
				else
					printf 'host = %s\nport = %s\nreplicas = %s\n' "$IMAGIER_DB_HOST" \
						"$IMAGIER_DB_PORT" "$IMAGIER_DB_REPLICAS"
				fi
				printf '[cache]\nservers = %s\n' "$IMAGIER_CACHE_SERVERS"
				printf '[media]\ndir = %s\nexports = %s\n' "$IMAGIER_MEDIA_DIR" "$IMAGIER_MEDIA_EXPORTS"
				printf '[site]\nsecret = %s\n' "$SITE_SECRET"
				printf '[gen]\nworker_id = %s\n' "$h"
			} >"$C/$h/imagier.conf.tmp"
			mv "$C/$h/imagier.conf.tmp" "$C/$h/imagier.conf"
		)
	done
}

cmd_start() {
	mkdir -p "$C/shared/media" "$C/shared/exports"
	ports
	write_confs
	# Every memcached server answers before any pool starts: a pool that
	# found one missing would hash its keys elsewhere until its next probe
	# (up to [cache] retry seconds) while the other pool used it, and the
	# two would count rate limits apart meanwhile.
	(host_env b && IMAGIER_COMPONENTS=memcached IMAGIER_SUPERVISE="" "$STACK" start)
	info "host a: the $([[ $KIND == galera ]] && echo 'first Galera node' || echo primary), memcached, a pool, imagier-gen and nginx"
	(host_env a && "$STACK" start)
	ports
	if [[ $KIND == galera ]]; then
		info "host b: Galera node 2, memcached, a pool and imagier-gen"
		(host_env b && "$STACK" start)
		info "host c: Galera node 3"
		(host_env c && "$STACK" start)
	else
		info "host b: a replica of a, memcached, a pool and imagier-gen"
		(host_env b && "$STACK" replica && "$STACK" start)
	fi
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
	# The replica first, then the primary it reads from (Galera: the
	# node that started the cluster last, so it can start it again).
	ports
	[[ $KIND == galera ]] && { (host_env c && "$STACK" stop) || true; }
	(host_env b && "$STACK" stop) || true
	(host_env a && "$STACK" stop) || true
}

cmd_status() {
	local rc=0
	ports
	echo "== host a"
	(host_env a && "$STACK" status) || rc=3
	echo "== host b"
	(host_env b && "$STACK" status) || rc=3
	if [[ $KIND == galera ]]; then
		echo "== host c"
		(host_env c && "$STACK" status) || rc=3
	fi
	return "$rc"
}

# cmd_env: the exports that point a program at the cluster as host a (the
# command line, a test): its var dir, whose imagier.conf says the rest.
cmd_env() {
	ports
	printf 'export IMAGIER_CLUSTER=%s IMAGIER_PORT=%s IMAGIER_URL=http://127.0.0.1:%s\n' "$C" "$PORT" "$PORT"
	printf 'export IMAGIER_VAR=%s/a\n' "$C"
}

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) cmd_env ;;
host)
	[[ ${2:-} =~ ^[abc]$ ]] && (($# > 2)) || die "usage: tools/cluster.sh host a|b|c CMD..."
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

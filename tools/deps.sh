#!/usr/bin/env bash
# tools/deps.sh - make sure the Debian packages imagier needs are installed.
#
# Usage: tools/deps.sh [run|test|security]     (no argument means run)
#
#   run       what building and running the stack needs (make deps/run/start)
#   test      run + test, lint, fuzz, bench and browser tools; also installs
#             the npm modules of tests/browser/ (the browser tests) and of
#             tests/fedpeer/ (the Fedify peer of the federation tests)
#   security  test + sqlmap (make security)
#
# Everything present: one dpkg-query call, done in a few milliseconds.
# Something missing: as root, apt-get installs it (output in build/deps.log,
# its tail shown on failure) and any system-wide nginx / mariadb / memcached
# service the packages just started is stopped and disabled, since the stack
# runs private instances on unix sockets (tools/stack.sh). Not root: prints
# the sudo command to run and exits 1.
set -euo pipefail

# shellcheck source=tools/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ROOT=$IMAGIER_ROOT_DIR

RUN_PKGS=(nginx mariadb-server memcached libfcgi-dev libmariadb-dev libgd-dev libavif-dev libjpeg62-turbo-dev libwebp-dev
	libcjson-dev libmemcached-dev libsodium-dev libcurl4-openssl-dev libunistring-dev libssl-dev pkg-config
	gcc make curl galera-4 mariadb-backup socat)
TEST_PKGS=(libcmocka-dev clang libclang-rt-14-dev cppcheck clang-format clang-tidy
	jq wrk chromium spawn-fcgi libfcgi-bin systemd python3 valgrind nodejs npm
	libimage-exiftool-perl libvips-tools python3-mastodon toot openssl)
SECURITY_PKGS=(sqlmap)
# Packages whose Debian postinst starts a system-wide daemon we do not want.
SERVICE_PKGS=(nginx mariadb-server memcached)

# Packages that also count as present when their command exists: NodeSource's
# nodejs ships npm inside and conflicts with Debian's npm package.
declare -A PKG_COMMAND=([npm]=npm)

# missing_pkgs PKG...: print the packages that are not fully installed.
# One dpkg-query call; unknown packages print nothing on stdout.
missing_pkgs() {
	local -A ok=()
	local status pkg
	while read -r status pkg; do
		[[ $status == ii ]] && ok[$pkg]=1
	done < <(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "$@" 2>/dev/null || true)
	for pkg in "$@"; do
		[[ -n ${ok[$pkg]:-} ]] && continue
		[[ -n ${PKG_COMMAND[$pkg]:-} ]] && command -v "${PKG_COMMAND[$pkg]}" >/dev/null && continue
		printf '%s\n' "$pkg"
	done
}

# deny_service_starts: while apt-get runs, tell invoke-rc.d not to start
# services (the Debian policy-rc.d mechanism), unless a policy already
# exists. The file is removed again on exit.
POLICY=/usr/sbin/policy-rc.d
POLICY_OURS=0
deny_service_starts() {
	[[ -e $POLICY ]] && return 0
	printf '#!/bin/sh\n# temporary, written by imagier tools/deps.sh\nexit 101\n' >"$POLICY"
	chmod 755 "$POLICY"
	POLICY_OURS=1
}
cleanup() {
	if ((POLICY_OURS)); then
		rm -f "$POLICY"
	fi
}
trap cleanup EXIT

# quiet_system_services PKG...: stop and disable the system-wide service of
# each just-installed package that has one. Best effort: never fails.
quiet_system_services() {
	local pkg svc pidfile pid
	for pkg in "$@"; do
		case $pkg in
		nginx) svc=nginx pidfile=/run/nginx.pid ;;
		mariadb-server) svc=mariadb pidfile=/run/mysqld/mysqld.pid ;;
		memcached) svc=memcached pidfile=/run/memcached/memcached.pid ;;
		*) continue ;;
		esac
		if [[ -d /run/systemd/system ]]; then
			# systemd is PID 1: it knows how to stop and disable.
			systemctl disable --now "$svc" >/dev/null 2>&1 || true
		else
			# No systemd (containers): SysV script, then the pid file.
			service "$svc" stop >/dev/null 2>&1 || true
			update-rc.d "$svc" disable >/dev/null 2>&1 || true
			if pid="$(pid_of "$pidfile")"; then
				stop_pid "$pid" "system $svc" 30 || true
			fi
		fi
		info "system-wide $svc service stopped and disabled (imagier runs its own)"
	done
}

# install_pkgs PKG...: apt-get install as root, or print the command.
install_pkgs() {
	if ((EUID != 0)); then
		printf '%s: missing Debian packages: %s\n' "$_tool" "$*" >&2
		printf 'Install them with:\n  sudo apt-get install -y --no-install-recommends %s\n' "$*" >&2
		exit 1
	fi
	local log="$ROOT/build/deps.log" svc_new=() pkg s
	mkdir -p "$ROOT/build"
	info "installing: $* (log: build/deps.log)"
	for pkg in "$@"; do
		for s in "${SERVICE_PKGS[@]}"; do
			[[ $pkg == "$s" ]] && svc_new+=("$pkg")
		done
	done
	deny_service_starts
	export DEBIAN_FRONTEND=noninteractive
	if ! {
		apt-get update -q &&
			apt-get install -y -q --no-install-recommends "$@"
	} >"$log" 2>&1; then
		tail_log "$log" 30
		die "apt-get failed (full log: $log)"
	fi
	quiet_system_services "${svc_new[@]}"
	# Check again: a package name that apt resolved differently would loop.
	local still
	still="$(missing_pkgs "$@")"
	[[ -z $still ]] || die "still missing after apt-get install: $still"
}

# npm_modules DIR: install DIR/node_modules from DIR/package.json (npm ci
# when a lock file exists). Skipped when there is no package.json; redone
# when package.json or the lock file changed since the last install.
npm_modules() {
	local rel=$1 dir="$ROOT/$1" stamp
	[[ -f $dir/package.json ]] || return 0
	stamp="$dir/node_modules/.package-lock.json"
	if [[ -f $stamp && ! $dir/package.json -nt $stamp ]] &&
		[[ ! -f $dir/package-lock.json || ! $dir/package-lock.json -nt $stamp ]]; then
		return 0
	fi
	local log="$ROOT/build/npm.log" cmd=(npm install)
	[[ -f $dir/package-lock.json ]] && cmd=(npm ci)
	mkdir -p "$ROOT/build"
	info "$rel: ${cmd[*]} (log: build/npm.log)"
	# Browsers come from Debian's chromium: never let a package fetch its own.
	if ! (cd "$dir" && PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1 \
		PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 "${cmd[@]}" --no-audit --no-fund \
		--loglevel=error) >"$log" 2>&1; then
		tail_log "$log" 30
		die "${cmd[*]} failed in $rel (full log: $log)"
	fi
}

main() {
	local mode=${1:-run} pkgs missing
	case $mode in
	run) pkgs=("${RUN_PKGS[@]}") ;;
	test) pkgs=("${RUN_PKGS[@]}" "${TEST_PKGS[@]}") ;;
	security) pkgs=("${RUN_PKGS[@]}" "${TEST_PKGS[@]}" "${SECURITY_PKGS[@]}") ;;
	-h | --help)
		sed -n '2,/^set /p' "$0" | sed -n 's/^# \{0,1\}//p'
		return 0
		;;
	*) die "unknown mode '$mode' (use: run, test or security)" ;;
	esac
	missing="$(missing_pkgs "${pkgs[@]}")"
	if [[ -n $missing ]]; then
		# shellcheck disable=SC2086 # one package name per word
		install_pkgs $missing
	fi
	if [[ $mode == test || $mode == security ]]; then
		npm_modules tests/browser
		# the Fedify ActivityPub peer the federation tests talk to
		npm_modules tests/fedpeer
	fi
}

main "$@"

# tools/common.sh - shell helpers shared by tools/*.sh (sourced, never run).
# shellcheck shell=bash
#
# Provides: messages (info/warn/die), the repository root, a reader for
# imagier.conf-style INI files that applies IMAGIER_* overrides the way the C
# programs do, and pid-file handling without pgrep (kill -0 on pid files).

# Repository root: the parent of the directory holding this file, absolute.
IMAGIER_ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"

# ---- messages ---------------------------------------------------------------

# The name of the script that sourced us, for message prefixes.
_tool="$(basename "${0:-imagier}" .sh)"

# Messages never fail: when the reader is gone (say `make run | tee log`
# after Ctrl-C), the work around them must still be done.
info() { printf '%s: %s\n' "$_tool" "$*" 2>/dev/null || true; }
warn() { printf '%s: warning: %s\n' "$_tool" "$*" >&2 2>/dev/null || true; }
die() {
	printf '%s: error: %s\n' "$_tool" "$*" >&2 2>/dev/null || true
	exit 1
}

# tail_log FILE [LINES]: show the end of a log file on stderr, if it exists.
tail_log() {
	local file=$1 lines=${2:-20}
	[[ -s $file ]] || return 0
	{
		printf -- '----- last %s lines of %s -----\n' "$lines" "$file"
		tail -n "$lines" "$file"
		printf -- '-----\n'
	} >&2 2>/dev/null || true
}

# ---- configuration ----------------------------------------------------------

# ini_get FILE SECTION KEY: print the value of KEY in [SECTION] of FILE.
# The last occurrence wins (a section may appear several times). Prints
# nothing (and succeeds) when the file or the key does not exist.
ini_get() {
	local file=$1 section=$2 key=$3
	[[ -r $file ]] || return 0
	awk -v want_s="$section" -v want_k="$key" '
		function trim(s) { sub(/^[ \t\r]+/, "", s); sub(/[ \t\r]+$/, "", s); return s }
		/^[ \t]*[;#]/ { next }
		/^[ \t]*\[/ {
			s = $0; sub(/^[ \t]*\[/, "", s); sub(/\].*$/, "", s)
			cur = trim(s); next
		}
		cur == want_s && index($0, "=") > 0 {
			k = trim(substr($0, 1, index($0, "=") - 1))
			if (k == want_k) { v = trim(substr($0, index($0, "=") + 1)); found = 1 }
		}
		END { if (found) print v }
	' "$file"
}

# cfg_get SECTION KEY DEFAULT: the effective value of a config key, looked up
# like the C programs do: IMAGIER_<SECTION>_<KEY> in the environment, then
# $VAR/imagier.conf, then <repo>/imagier.conf, then DEFAULT. "%v" is replaced
# by $VAR (which the caller must have set). Empty values count as unset.
cfg_get() {
	local section=$1 key=$2 def=$3 env val
	env="IMAGIER_${section^^}_${key^^}"
	val="${!env:-}"
	[[ -n $val ]] || val="$(ini_get "${VAR:-}/imagier.conf" "$section" "$key")"
	[[ -n $val ]] || val="$(ini_get "$IMAGIER_ROOT_DIR/imagier.conf" "$section" "$key")"
	[[ -n $val ]] || val=$def
	printf '%s\n' "${val//%v/${VAR:-}}"
}

# abs_path PATH: PATH made absolute relative to the repository root (the
# same rule the C programs apply to relative paths in imagier.conf).
abs_path() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s\n' "$IMAGIER_ROOT_DIR/${1#./}" ;;
	esac
}

# ---- processes and pid files ------------------------------------------------

# pid_of PIDFILE [NAME]: print the pid stored in PIDFILE if that process is
# alive (not a zombie) and is the one that wrote the file: it must have
# started before the file was last written, so a pid recycled after a crash
# or a reboot is never taken for our daemon (and never signalled). With
# NAME, /proc/PID/comm must also start with NAME.
pid_of() {
	local file=$1 name=${2:-} pid stat comm started mtime
	[[ -r $file ]] || return 1
	read -r pid <"$file" 2>/dev/null || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
	# Fields after the ")" that ends the command name: 1 = state,
	# 20 = start time in clock ticks after boot.
	stat=${stat##*) }
	read -r -a stat <<<"$stat"
	[[ ${stat[0]} != Z ]] || return 1
	started=$((_boot_time + stat[19] / _clk_tck))
	mtime="$(stat -c %Y "$file" 2>/dev/null)" || return 1
	((started <= mtime + 1)) || return 1
	if [[ -n $name ]]; then
		comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
		[[ $comm == "$name"* ]] || return 1
	fi
	printf '%s\n' "$pid"
}
_boot_time="$(awk '$1 == "btime" { print $2 }' /proc/stat)"
_clk_tck="$(getconf CLK_TCK)"

# pid_gone PID: succeed when PID no longer exists or is a zombie.
pid_gone() {
	local pid=$1 state
	kill -0 "$pid" 2>/dev/null || return 0
	state="$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$pid/stat" 2>/dev/null || true)"
	[[ $state == Z ]]
}

# stop_pid PID LABEL [TIMEOUT] [SIGNAL]: send SIGNAL (default TERM) to PID,
# wait up to TIMEOUT seconds (default 20) for it to exit, then SIGKILL it.
stop_pid() {
	local pid=$1 label=$2 timeout=${3:-20} sig=${4:-TERM} i
	kill "-$sig" "$pid" 2>/dev/null || return 0
	for ((i = 0; i < timeout * 10; i++)); do
		pid_gone "$pid" && return 0
		sleep 0.1
	done
	warn "$label (pid $pid) did not stop within ${timeout}s; sending SIGKILL"
	kill -KILL "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		pid_gone "$pid" && return 0
		sleep 0.1
	done
	warn "$label (pid $pid) survived SIGKILL"
	return 1
}

# random_hex BYTES: BYTES random bytes from /dev/urandom as lower-case hex.
# Uses od, which every Debian system has (openssl may not be installed).
random_hex() {
	head -c "$1" /dev/urandom | od -An -v -tx1 | tr -d ' \n'
}

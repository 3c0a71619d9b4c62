# tests/integration/lib.sh - TAP helpers and HTTP helpers for the stack tests.
# shellcheck shell=bash disable=SC2034
# Needs IMAGIER_URL (the stack under test), MKIMAGE, IMAGIER_VAR; curl and jq.
set -uo pipefail
: "${IMAGIER_URL:?run through tools/test.sh (make test)}"
T_N=0
T_FAIL=0
TMP="$(mktemp -d "${TMPDIR:-/tmp}/imagier-t.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
# The media tree and the personal exports: the stack's own, or the tree a
# cluster shares (tools/test.sh cluster sets them).
MEDIA="${IMAGIER_MEDIA_DIR:-$IMAGIER_VAR/media}"
EXPORTS="${IMAGIER_MEDIA_EXPORTS:-$IMAGIER_VAR/exports}"
# gen_log: what the generation workers logged (on a cluster, both hosts').
gen_log() {
	cat "$IMAGIER_VAR/log/gen.log"
	[[ -z ${IMAGIER_CLUSTER:-} ]] || cat "$IMAGIER_CLUSTER/b/log/gen.log" 2>/dev/null
}

plan() { echo "1..$1"; }
pass() { T_N=$((T_N + 1)); echo "ok $T_N - $1"; }
fail() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $1"; shift; for l in "$@"; do echo "#   $l"; done; }
# ok CONDITION-EXIT-STATUS DESCRIPTION:  ok "$( [[ a == a ]]; echo $? )" "desc"
is() { if [[ "$1" == "$2" ]]; then pass "$3"; else fail "$3" "got:      '$1'" "expected: '$2'"; fi; }
isnt() { if [[ "$1" != "$2" ]]; then pass "$3"; else fail "$3" "got '$1', expected something else"; fi; }
like() { if [[ "$1" =~ $2 ]]; then pass "$3"; else fail "$3" "got:     '${1:0:300}'" "pattern: '$2'"; fi; }
unlike() { if [[ ! "$1" =~ $2 ]]; then pass "$3"; else fail "$3" "got:     '${1:0:300}'" "should not match: '$2'"; fi; }
done_testing() { echo "1..$T_N"; exit $((T_FAIL > 0)); }

# req METHOD PATH [curl args...]: sets STATUS, BODY, HEADERS (lower-cased names).
req() {
	local method="$1" path="$2"
	shift 2
	STATUS="$(curl -s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' -X "$method" \
		--max-time 30 "$@" "$IMAGIER_URL$path")" || STATUS=000
	BODY="$(tr -d '\000' <"$TMP/body" 2>/dev/null || true)"
	HEADERS="$(tr -d '\r' <"$TMP/headers" 2>/dev/null | tr 'A-Z' 'a-z' || true)"
}
# json FILTER: apply jq to the last BODY
json() { jq -r "$1" <<<"$BODY" 2>/dev/null; }
header() { grep -i "^$1:" <<<"$HEADERS" | head -1 | cut -d' ' -f2- ; }

# new_user NAME: sign up through the API and log in; sets TOKEN, CSRF and
# USER_ID.
new_user() {
	req POST /api/v1/accounts -H 'Content-Type: application/json' \
		--data "{\"username\":\"$1\",\"password\":\"correct horse $1\"}"
	sign_in "$1"
}
# sign_in NAME: POST /api/v1/sessions (password as new_user makes it); sets
# STATUS, and TOKEN, CSRF and USER_ID on success.
sign_in() {
	req POST /api/v1/sessions -H 'Content-Type: application/json' \
		--data "{\"username\":\"$1\",\"password\":\"correct horse $1\"}"
	TOKEN="$(json .token)"
	CSRF="$(json .csrf)"
	USER_ID="$(json .user.id)"
}
# unique suffix for names so tests can be re-run against one stack
uniq_name() { echo "$1$(date +%s%N | tail -c 7)$RANDOM"; }

# image FORMAT W H [SEED]: writes a test image and prints its path.
image() {
	local f="$TMP/img-$1-$2x$3-${4:-1}.${1/jpeg/jpg}"
	"$MKIMAGE" "$1" "$2" "$3" "$f" "${4:-1}" >/dev/null && echo "$f"
}
# mosaic FMT W H [SEED]: like image, a busy picture whose perceptual hash is
# far from every other seed's. Use it for a picture a test removes: a removed
# picture's hash is blocked for the rest of the run, and image's gradients
# are alike enough to block other tests' pictures too.
mosaic() {
	local f="$TMP/mosaic-$1-$2x$3-${4:-1}.${1/jpeg/jpg}"
	"$MKIMAGE" mosaic "$1" "$2" "$3" "$f" "${4:-1}" >/dev/null && echo "$f"
}
# upload FILE PROMPT [extra curl args]: POST /api/v1/posts with the bearer TOKEN.
upload() {
	local file="$1" prompt="$2"
	shift 2
	req POST /api/v1/posts -H "Authorization: Bearer $TOKEN" \
		-F "image=@$file" -F "prompt=$prompt" "$@"
}
count_rows() { sql "SELECT COUNT(*) FROM $1"; }
count_media() { find "$MEDIA" -type f | wc -l; }

# ok STATUS DESCRIPTION: passes when STATUS (an exit status) is 0.
ok() { if [[ "$1" == 0 ]]; then pass "$2"; else fail "$2" "condition was false"; fi; }

# sql QUERY: run a query in the app's database as the MariaDB superuser
# (the OS user over the stack's socket); prints tab-separated rows. A
# database on another var dir's server (a second instance, second_lib.sh)
# is named by IMAGIER_DB_SOCKET and IMAGIER_DB_NAME.
sql() {
	mariadb --socket="${IMAGIER_DB_SOCKET:-$IMAGIER_VAR/run/mysqld.sock}" -u "$(id -un)" -N -B \
		"${IMAGIER_DB_NAME:-imagier}" -e "$1" 2>/dev/null
}

# wait_until SECONDS COMMAND...: poll COMMAND every 0.1 s until it succeeds
# (returns 0) or the time runs out (returns 1).
wait_until() {
	local seconds="$1" i
	shift
	for ((i = 0; i < seconds * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# http_code PATH [curl args...]: just the status of one request ("000": none).
http_code() {
	local path="$1"
	shift
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" "$IMAGIER_URL$path" || true
}
healthz_is() { [[ "$(http_code /healthz)" == "$1" ]]; }

# fcgi_workers: pids of the pool master's children, one a line, sorted.
fcgi_master() { cat "$IMAGIER_VAR/run/fcgi.pid" 2>/dev/null; }
fcgi_workers() { ps -o pid= --ppid "$(fcgi_master)" 2>/dev/null | tr -d ' ' | sort -n; }

# jsonc FILTER: like json, compact output (for arrays and objects).
jsonc() { jq -c "$1" <<<"$BODY" 2>/dev/null; }

# fetch PATH OUT: GET into the file OUT without touching BODY; sets
# F_STATUS, F_HEADERS (lower-cased) and F_TYPE (Content-Type).
fetch() {
	F_STATUS="$(curl -s -o "$2" -D "$TMP/fheaders" -w '%{http_code}' --max-time 30 \
		"$IMAGIER_URL$1")" || F_STATUS=000
	F_HEADERS="$(tr -d '\r' <"$TMP/fheaders" | tr 'A-Z' 'a-z')"
	F_TYPE="$(grep '^content-type:' <<<"$F_HEADERS" | head -1 | cut -d' ' -f2-)"
}
# rawheader NAME: a header of the last req with its value's case kept.
rawheader() { tr -d '\r' <"$TMP/headers" | grep -i "^$1:" | head -1 | cut -d' ' -f2-; }
# skip DESCRIPTION REASON: a TAP skip.
skip() { T_N=$((T_N + 1)); echo "ok $T_N - $1 # skip $2"; }

# ---- social and feeds (t1200, t1300) ------------------------------------------
# api METHOD PATH [JSON]: req as the bearer TOKEN, with a JSON body if given.
api() {
	local method="$1" path="$2"
	if (($# > 2)); then
		req "$method" "$path" -H "Authorization: Bearer $TOKEN" \
			-H 'Content-Type: application/json' --data "$3"
	else
		req "$method" "$path" -H "Authorization: Bearer $TOKEN"
	fi
}
# call METHOD PATH TOKEN [JSON]: api as the holder of TOKEN.
call() {
	if [[ -n "${4:-}" ]]; then
		req "$1" "$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' --data "$4"
	else
		req "$1" "$2" -H "Authorization: Bearer $3"
	fi
}
# feed_has TOKEN QUERY POST: "yes" if POST is on the first page of
# /api/v1/feed?QUERY as the holder of TOKEN, else "no".
feed_has() {
	req GET "/api/v1/feed?$2" -H "Authorization: Bearer $1"
	[[ "$(json "[.items[].id] | index($3)")" != null ]] && echo yes || echo no
}
# admin_token: log in as admin (IMAGIER_ADMIN_PASSWORD) and print the token.
admin_token() {
	req POST /api/v1/sessions -H 'Content-Type: application/json' \
		--data "{\"username\":\"admin\",\"password\":\"$IMAGIER_ADMIN_PASSWORD\"}"
	json .token
}
# login_jar NAME JAR: log in NAME (password as new_user makes it) into the
# cookie file JAR; sets JAR_CSRF (the session's CSRF token for forms).
login_jar() {
	req POST /api/v1/sessions -c "$2" -H 'Content-Type: application/json' \
		--data "{\"username\":\"$1\",\"password\":\"correct horse $1\"}"
	JAR_CSRF="$(json .csrf)"
}
# mc_socks: the memcached servers of the stack (their unix sockets): one,
# or on a cluster each host's.
mc_socks() {
	echo "$IMAGIER_VAR/run/memcached.sock"
	[[ -z ${IMAGIER_CLUSTER:-} ]] || echo "$IMAGIER_CLUSTER/b/run/memcached.sock"
}
# mc_delete KEY...: drop keys from the stack's memcached (from every server
# of a cluster's), e.g. a list cached on purpose for a minute that a test
# needs fresh.
mc_delete() {
	local sock
	for sock in $(mc_socks); do
		mc_delete_on "$sock" "$@"
	done
}
mc_delete_on() {
	python3 - "$@" <<'PY' >/dev/null 2>&1
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
s.connect(sys.argv[1])
for k in sys.argv[2:]:
    s.sendall(b"delete " + k.encode() + b"\r\n")
    s.recv(64)
PY
}
# mc_set KEY VALUE [TTL]: store VALUE under KEY for TTL seconds (60) in the
# stack's memcached (on a cluster, on every server: whichever the app
# hashes KEY to has it).
mc_set() {
	local sock
	for sock in $(mc_socks); do
		python3 - "$sock" "$1" "$2" "${3:-60}" <<'PY' >/dev/null 2>&1
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
s.connect(sys.argv[1])
v = sys.argv[3].encode()
s.sendall(b"set %s 0 %d %d\r\n%s\r\n" % (sys.argv[2].encode(), int(sys.argv[4]), len(v), v))
s.recv(64)
PY
	done
}
# mc_get KEY: the value of KEY in the stack's memcached (nothing if absent;
# on a cluster, from whichever server holds it).
mc_get() {
	local sock
	for sock in $(mc_socks); do
		mc_get_on "$sock" "$1"
	done
}
mc_get_on() {
	python3 - "$1" "$2" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
s.connect(sys.argv[1])
s.sendall(b"get " + sys.argv[2].encode() + b"\r\n")
buf = b""
while not buf.endswith(b"END\r\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
if buf.startswith(b"VALUE"):
    sys.stdout.write(buf.split(b"\r\n", 1)[1].rsplit(b"\r\nEND\r\n", 1)[0].decode("utf-8", "replace"))
PY
}
# mc_dump: every key in the stack's memcached (every server of a cluster's)
# with its value, one "key<TAB>value" a line (values with line breaks
# folded), for tests that prove something is gone from the cache.
mc_dump() {
	local sock
	for sock in $(mc_socks); do
		mc_dump_on "$sock"
	done
}
mc_dump_on() {
	python3 - "$1" <<'PY' 2>/dev/null
import socket, sys, urllib.parse
def conn():
    s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1]); return s
def read_until(s, end):
    buf = b""
    while not buf.endswith(end):
        chunk = s.recv(65536)
        if not chunk: break
        buf += chunk
    return buf
import time
# memcached answers "BUSY ..." (and no END) while its own LRU crawler runs:
# ask again, or a dump taken then would read as an empty cache.
for _ in range(100):
    s = conn()
    s.sendall(b"lru_crawler metadump all\r\n")
    first = b""
    while not first.endswith(b"\n"):
        chunk = s.recv(1)
        if not chunk: break
        first += chunk
    if not first.startswith(b"BUSY"): break
    s.close()
    time.sleep(0.05)
dump = first + (read_until(s, b"END\r\n") if first != b"END\r\n" else b"")
keys = [urllib.parse.unquote(l.split(" ")[0][4:]) for l in dump.decode().splitlines() if l.startswith("key=")]
for k in keys:
    s.sendall(b"get " + k.encode() + b"\r\n")
    r = read_until(s, b"END\r\n")
    if not r.startswith(b"VALUE"): continue
    body = r.split(b"\r\n", 1)[1].rsplit(b"\r\nEND\r\n", 1)[0]
    print(k + "\t" + body.decode("utf-8", "replace").replace("\n", " ").replace("\r", " "))
PY
}
# cli ARGS...: run bin/imagier; sets RC, OUT and ERR.
cli() {
	"$IMAGIER_BIN/imagier" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	OUT="$(cat "$TMP/out")"
	ERR="$(cat "$TMP/err")"
}

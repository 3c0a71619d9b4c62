# tests/fedpeer/lib.sh - start Fedify peers (peer.mjs) from a shell test and
# drive them through their control verbs.
# shellcheck shell=bash disable=SC2034
#
#   source tests/fedpeer/lib.sh
#   fedpeer_start A:alice         # sets A_URL, A_PORT, A_PID, A_LOG, A_ACTOR, A_HANDLE
#   fp "$A_URL" follow '{"acct":"bob@127.0.0.1:8080"}'   # sets FP_STATUS, FP_BODY
#   fp "$A_URL" wait '{"type":"Accept","timeout_ms":5000}'
#   fpj .entry.activity.object.id # jq on the last FP_BODY
#
# Every peer started here is stopped when the script exits (an EXIT trap
# that keeps the one already set, e.g. tests/integration/lib.sh's), and each
# peer also exits by itself once this script's process is gone.
FEDPEER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FEDPEER_PIDS=()
FEDPEER_TMP="$(mktemp -d "${TMPDIR:-/tmp}/imagier-fedpeer.XXXXXX")"

fedpeer_stop_all() {
	local pid
	for pid in "${FEDPEER_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${FEDPEER_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	FEDPEER_PIDS=()
	rm -rf "$FEDPEER_TMP"
}
# before the EXIT trap that was there
# shellcheck source=../trap.sh
source "$(dirname "${BASH_SOURCE[0]}")/../trap.sh"
trap_prepend fedpeer_stop_all

# fedpeer_start VAR[:NAME]...: start one peer per argument, whose actor is
# NAME (default peer), each on a free port, all at once (each takes 2-4 s to
# load Fedify), and wait (15 s at most) until they listen. For each VAR sets
# VAR_URL (http://127.0.0.1:PORT), VAR_PORT, VAR_PID, VAR_LOG (its
# JSON-lines log of received activities), VAR_ACTOR (its actor id) and
# VAR_HANDLE (NAME@127.0.0.1:PORT). Call it directly, not in $(...).
fedpeer_start() {
	local arg var name out i port pid
	if [[ ! -d $FEDPEER_DIR/node_modules/@fedify/fedify ]]; then
		echo "fedpeer: $FEDPEER_DIR/node_modules missing (tools/deps.sh test installs it)" >&2
		return 1
	fi
	for arg in "$@"; do
		var="${arg%%:*}"
		name=peer
		[[ $arg == *:* ]] && name="${arg#*:}"
		node "$FEDPEER_DIR/peer.mjs" --port 0 --name "$name" --log "$FEDPEER_TMP/$var.log" \
			--watch-pid $$ >"$FEDPEER_TMP/$var.out" 2>"$FEDPEER_TMP/$var.err" &
		FEDPEER_PIDS+=($!)
		printf -v "${var}_PID" '%s' "$!"
	done
	for arg in "$@"; do
		var="${arg%%:*}"
		name=peer
		[[ $arg == *:* ]] && name="${arg#*:}"
		out="$FEDPEER_TMP/$var.out"
		pid="${var}_PID"
		pid="${!pid}"
		port=
		for ((i = 0; i < 150; i++)); do
			port="$(sed -n 's/^fedpeer listening 127\.0\.0\.1 \([0-9]*\)$/\1/p' "$out" 2>/dev/null)"
			[[ -n $port ]] && break
			if ! kill -0 "$pid" 2>/dev/null; then
				echo "fedpeer: peer $var died:" >&2
				cat "$FEDPEER_TMP/$var.err" >&2
				return 1
			fi
			sleep 0.1
		done
		if [[ -z $port ]]; then
			echo "fedpeer: peer $var did not listen within 15 s" >&2
			return 1
		fi
		printf -v "${var}_PORT" '%s' "$port"
		printf -v "${var}_URL" '%s' "http://127.0.0.1:$port"
		printf -v "${var}_LOG" '%s' "$FEDPEER_TMP/$var.log"
		printf -v "${var}_ACTOR" '%s' "http://127.0.0.1:$port/users/$name"
		printf -v "${var}_HANDLE" '%s' "$name@127.0.0.1:$port"
	done
}

# fp PEER_URL VERB [JSON]: POST PEER_URL/_control/VERB; sets FP_STATUS and
# FP_BODY. Each verb is bounded (wait by its timeout_ms, 30 s at most).
fp() {
	local _t0=$EPOCHREALTIME
	local url="$1" verb="$2" data="${3:-{\}}"
	FP_STATUS="$(curl -s -o "$FEDPEER_TMP/fp.body" -w '%{http_code}' --max-time 45 \
		-H 'Content-Type: application/json' --data "$data" "$url/_control/$verb")" || FP_STATUS=000
	FP_BODY="$(cat "$FEDPEER_TMP/fp.body" 2>/dev/null || true)"
	if [[ -n ${FP_TIME:-} ]]; then # FP_TIME=1: each call's seconds on stderr
		echo "# fp $verb $(bc <<<"$EPOCHREALTIME - $_t0")" >&2
	fi
}
# fpj FILTER [jq options]: jq -r on the last FP_BODY
fpj() { jq -r "$@" <<<"$FP_BODY" 2>/dev/null; }

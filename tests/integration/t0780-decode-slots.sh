#!/usr/bin/env bash
# t0780-decode-slots.sh - an uploaded picture is decoded in one of
# server.workers - 1 slots (byte-range locks on decode-slots.lock in the var
# dir), so one worker always stays free for everything else. With every
# slot taken, an upload or an avatar is answered at once: 503 busy with
# Retry-After, no row and no file; the site still answers other requests.
# A slot whose holder dies is free again (the kernel drops its lock), and
# with one slot left, uploads work.
# single box: restarts the one pool with a hook that holds its decode slots.
source "$(dirname "$0")/lib.sh"

LOCK="$IMAGIER_VAR/decode-slots.lock"
cli config
workers="$(awk '$1 == "workers" { print $3 }' <<<"$OUT")"
slots=$((workers > 1 ? workers - 1 : 1))
ok "$((slots >= 1 ? 0 : 1))" "the pool has $workers workers: $slots decode slots"

me="$(uniq_name slot)"
new_user "$me"
upload "$(image png 120 90 7801)" "a first picture"
is "$STATUS" 201 "an upload with every slot free"
ok "$([[ -f $LOCK ]] && echo 0 || echo 1)" "the slots' lock file is in the var dir"

# hold N: a process that holds slots 0 .. N-1 (bytes of the lock file)
# until it is killed; HOLDER is its pid.
hold() {
	rm -f "$TMP/held"
	python3 - "$LOCK" "$1" "$TMP/held" <<'PY' &
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, int(sys.argv[2]), 0, os.SEEK_SET)
open(sys.argv[3], "w").close()
time.sleep(300)
PY
	HOLDER=$!
	for ((i = 0; i < 100; i++)); do
		[[ -e "$TMP/held" ]] && break
		sleep 0.05
	done
	[[ -e "$TMP/held" ]]
}
HOLDER=""
trap '[[ -n $HOLDER ]] && kill "$HOLDER" 2>/dev/null; rm -rf "$TMP"' EXIT

hold "$slots"
is "$?" 0 "another process takes all $slots slots"
rows_before="$(count_rows posts)"
media_before="$(count_media)"
# the person's post and avatar counters of the rate limit, "key value" lines
counted() { mc_dump | grep -E "^imagier:rl:(post|avatar):u:$USER_ID:" | sort; }
counted_before="$(counted)"
upload "$(image png 120 90 7802)" "while every slot is taken"
is "$STATUS" 503 "an upload with no slot free: 503"
is "$(json .error.code)" busy "... code busy"
like "$(json .error.message)" "try again in a few seconds" "... with a sentence"
is "$(header retry-after)" 5 "... and Retry-After: 5"
is "$(count_rows posts)" "$rows_before" "... no post row"
is "$(count_media)" "$media_before" "... no file"
req PUT /api/v1/me/avatar -H "Authorization: Bearer $TOKEN" -F "avatar=@$(image png 64 64 7803)"
is "$STATUS $(json .error.code)" "503 busy" "an avatar with no slot free: 503 busy"
for i in 1 2 3; do upload "$(image png 120 90 7802)" "busy again"; done
is "$(counted)" "$counted_before" "busy answers cost nothing of the rate limits (posts, avatars)"
req GET /healthz
is "$STATUS" 200 "the site answers meanwhile"
req GET "/u/$me"
is "$STATUS" 200 "  ... pages too"

kill -9 "$HOLDER"
wait "$HOLDER" 2>/dev/null
upload "$(image png 120 90 7804)" "after the holder died"
is "$STATUS" 201 "a holder killed: its slots are free again"

if ((slots > 1)); then
	hold $((slots - 1))
	upload "$(image png 120 90 7805)" "with one slot left"
	is "$STATUS" 201 "with one slot left, an upload works"
	kill -9 "$HOLDER"
	wait "$HOLDER" 2>/dev/null
fi

done_testing

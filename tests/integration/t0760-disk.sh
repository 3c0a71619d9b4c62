#!/usr/bin/env bash
# t0760-disk.sh - a full media disk. The pool is restarted with
# media.min_free_mb above the free space of the test machine's disk (the
# floor a careful operator keeps free; the same answer as a write failing
# with ENOSPC): /healthz says "disk":"full" (still 200: reading works), an
# upload or an avatar is 507 disk_full with a sentence, writes no file and
# logs the media directory with its free space; with the floor between half
# the free space and all of it, "disk":"low" and uploads still work. The
# suite's setting is put back at the end (and on any exit).
# single box: restarts the one pool with a different media.min_free_mb.
source "$(dirname "$0")/lib.sh"

STACK="${IMAGIER_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tools/stack.sh"
LOG="$IMAGIER_VAR/log/fcgi.log"
SAVED="${IMAGIER_MEDIA_MIN_FREE_MB-unset}"
restore() {
	if [[ "$SAVED" == unset ]]; then unset IMAGIER_MEDIA_MIN_FREE_MB; else export IMAGIER_MEDIA_MIN_FREE_MB="$SAVED"; fi
	"$STACK" restart-fcgi >"$TMP/restore.log" 2>&1
}
trap 'restore; rm -rf "$TMP"' EXIT
pool_with_floor() {
	export IMAGIER_MEDIA_MIN_FREE_MB="$1"
	"$STACK" restart-fcgi >"$TMP/restart.log" 2>&1
}

new_user "$(uniq_name disk)"
req GET /healthz
is "$(json .disk)" ok "healthz: \"disk\":\"ok\" with room"

free_mb=$(($(df -Pk "$MEDIA" | awk 'NR == 2 {print $4}') / 1024))
pool_with_floor $((free_mb * 4 + 1024))
is "$?" 0 "the pool restarts with a floor above the free space"
req GET /healthz
is "$STATUS" 200 "healthz is still 200 with a full disk (the site still reads)"
is "$(json .disk)" full "healthz: \"disk\":\"full\""

media_before="$(count_media)"
lines_before=$(wc -l <"$LOG")
upload "$(image png 300 200 7601)" "on a full disk"
is "$STATUS" 507 "an upload on a full disk: 507"
is "$(json .error.code)" disk_full "... code disk_full"
like "$(json .error.message)" "^The server's disk is full, so no picture can be saved now; try again later\.$" \
	"... with a sentence"
is "$(count_media)" "$media_before" "... and no file is written"
like "$(tail -n +$((lines_before + 1)) "$LOG")" "media: $IMAGIER_VAR/media has [0-9]+ MiB free, below media.min_free_mb" \
	"... and the log names the directory and its free space"
req PUT /api/v1/me/avatar -H "Authorization: Bearer $TOKEN" -F "avatar=@$(image png 200 200 7602)"
is "$STATUS/$(json .error.code)" 507/disk_full "an avatar on a full disk: 507 disk_full"
is "$(count_media)" "$media_before" "... and no file is written"
req PATCH /api/v1/me -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data '{"bio":"full"}'
is "$STATUS" 200 "what needs no file still works"

pool_with_floor $((free_mb * 2 / 3))
req GET /healthz
is "$(json .disk)" low "healthz: \"disk\":\"low\" below twice the floor"
upload "$(image png 300 200 7603)" "on a disk running low"
is "$STATUS" 201 "an upload still works while the disk is low"
done_testing

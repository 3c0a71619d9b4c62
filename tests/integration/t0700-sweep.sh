#!/usr/bin/env bash
# t0700-sweep.sh - `imagier sweep-media` removes media files no row points at
# (left behind when a database write failed after the files were stored) and
# leftover temp files, but keeps every file a post uses and every file too
# young to judge (an upload may be between its files and its rows).
source "$(dirname "$0")/lib.sh"

new_user "$(uniq_name sweep)"
upload "$(image png 700 500 71)" "kept by the sweeper"
is "$STATUS" 201 "upload for the sweep test"
url="$(json .post.image.sizes.original.webp)"
kept="$MEDIA/${url#/media/}"
[[ -f "$kept" ]] && pass "the post's file is in the media store" || fail "media file $kept missing"

orphan="$MEDIA/ab/cd/$(printf 'ab%062d' 7).webp"
young="$MEDIA/ab/cd/$(printf 'ab%062d' 8).webp"
tmpfile="$MEDIA/ab/cd/.tmp-upload-XXXX"
mkdir -p "$MEDIA/ab/cd"
echo old >"$orphan"
echo new >"$young"
echo half >"$tmpfile"
touch -d '2 hours ago' "$orphan" "$tmpfile" "$kept"

out="$("$IMAGIER_BIN/imagier" sweep-media --dry-run)"
like "$out" "would remove 1 orphaned files and 1 temporary" "dry run counts the orphan and the temp file"
[[ -f "$orphan" ]] && pass "dry run removes nothing" || fail "dry run removed the orphan"

out="$("$IMAGIER_BIN/imagier" sweep-media)"
like "$out" "^removed 1 orphaned files and 1 temporary files" "sweep reports what it removed"
[[ ! -e "$orphan" ]] && pass "the orphan is gone" || fail "orphan still there"
[[ ! -e "$tmpfile" ]] && pass "the temp file is gone" || fail "temp file still there"
[[ -f "$young" ]] && pass "a young file is kept" || fail "young file removed"
[[ -f "$kept" ]] && pass "a file a post uses is kept, however old" || fail "referenced file removed"
req GET "$url"
is "$STATUS" 200 "the post's image is still served"
rm -f "$young"
done_testing

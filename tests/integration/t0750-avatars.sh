#!/usr/bin/env bash
# t0750-avatars.sh - avatars: a picture is stored made to fit 640 px (four
# files: 320 px and the fitted size, WebP and JPEG; never a full-size
# original), a replaced avatar's rows and files are removed at once (20
# changes keep 4 files, not 160), an avatar never shares its stored sizes
# with a post of the same file, a file over 5 MB is 413, and the picture of
# a removed post is refused (422 blocked_image) without leaving files. The
# rate limit of avatar changes is in t1800-ratelimits.sh; the database
# outage in t9000-degrade.sh.
source "$(dirname "$0")/lib.sh"

avatar() { req PUT /api/v1/me/avatar -H "Authorization: Bearer $TOKEN" -F "avatar=@$1"; }
my_avatar_id() { sql "SELECT IFNULL(avatar_image_id, 0) FROM users WHERE id = $USER_ID"; }
files_of() { sql "SELECT COUNT(*) FROM media_files WHERE image_id = $1"; }

new_user "$(uniq_name avatar)"
big="$TMP/big.png"
"$MKIMAGE" mosaic png 1600 1200 "$big" 7501 >/dev/null
before="$(count_media)"
avatar "$big"
is "$STATUS" 200 "a 1600x1200 avatar is taken"
id1="$(my_avatar_id)"
is "$(sql "SELECT CONCAT(width, 'x', height) FROM images WHERE id = $id1")" 640x480 \
	"... and stored made to fit 640 px"
is "$(files_of "$id1")" 4 "... as four files (320 px and 640 px, WebP and JPEG)"
is "$(($(count_media) - before))" 4 "... and no other file was written"
is "$(sql "SELECT MAX(GREATEST(width, height)) FROM images WHERE id = $id1")" 640 "no size is larger"
old_path="$(sql "SELECT path FROM media_files WHERE image_id = $id1 LIMIT 1")"

# ---- replacing it removes the old one -------------------------------------------
for i in $(seq 1 20); do
	avatar "$(image png 400 300 $((7510 + i)))"
	[[ "$STATUS" == 200 ]] || break
done
is "$STATUS" 200 "twenty more avatars are taken"
id2="$(my_avatar_id)"
isnt "$id2" "$id1" "... the person has the newest"
is "$(sql "SELECT COUNT(*) FROM images WHERE id = $id1")" 0 "the first avatar's image row is gone"
[[ ! -e "$MEDIA/$old_path" ]] && pass "... and its files are removed" ||
	fail "old avatar file $old_path still there"
is "$(($(count_media) - before))" 4 "after 21 avatars, only the current one's 4 files are kept"
req GET "/api/v1/users/$(sql "SELECT username FROM users WHERE id = $USER_ID")"
like "$(json .user.avatar.jpeg)" "^/media/$(sql "SELECT path FROM media_files WHERE image_id = $id2 AND path LIKE '%.jpg' ORDER BY bytes LIMIT 1")\$" \
	"the profile shows the current avatar"
avatar "$(image png 400 300 7530)"
id3="$(my_avatar_id)"
avatar "$(image png 400 300 7530)"
is "$(my_avatar_id)" "$id3" "the same picture again keeps its image"
is "$(files_of "$id3")" 4 "... and its four files"

# ---- an avatar and a post of the same file stay apart ---------------------------
upload "$big" "the same file as a post"
is "$STATUS" 201 "the avatar's file can be posted"
is "$(json .post.image.width)x$(json .post.image.height)" 1600x1200 "... and the post has the full size"
isnt "$(sql "SELECT image_id FROM posts WHERE id = $(json .post.id)")" "$id1" \
	"... in its own image row"

# ---- checks --------------------------------------------------------------------
{ printf '\x89PNG\r\n\x1a\n'; head -c 6000000 /dev/zero; } >"$TMP/huge.png"
avatar "$TMP/huge.png"
is "$STATUS/$(json .error.code)" 413/too_large "an avatar file over 5 MB: 413 too_large"
is "$(my_avatar_id)" "$id3" "... the avatar stays"

# the picture of a removed post
admin=$(admin_token)
"$MKIMAGE" mosaic png 480 360 "$TMP/bad.png" 7540 >/dev/null
"$MKIMAGE" resize "$TMP/bad.png" jpeg 240 180 "$TMP/bad-small.jpg" >/dev/null
upload "$TMP/bad.png" "soon removed"
bad_post="$(json .post.id)"
req POST /api/v1/admin/actions -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
	--data "{\"target_type\":\"post\",\"target_id\":$bad_post,\"action\":\"remove\",\"reason\":\"not allowed\"}"
is "$STATUS" 200 "the admin removes a post"
media_now="$(count_media)"
avatar "$TMP/bad-small.jpg"
is "$STATUS/$(json .error.code)" 422/blocked_image "its picture as an avatar: 422 blocked_image"
is "$(my_avatar_id)" "$id3" "... the avatar stays"
is "$(count_media)" "$media_now" "... and no file is left behind"

# A visitor never sees a replaced avatar's deleted files: nginx's microcached
# profile is refreshed when the avatar changes.
me_name="$(sql "SELECT username FROM users WHERE id = $USER_ID")"
req GET "/u/$me_name"
req GET "/u/$me_name"
is "$STATUS $(header x-cache)" "200 hit" "a visitor's copy of the profile is in the microcache"
"$MKIMAGE" mosaic png 700 700 "$TMP/next.png" 7531 >/dev/null
avatar "$TMP/next.png"
is "$STATUS" 200 "the avatar is changed again"
new_file="$(sql "SELECT path FROM media_files WHERE image_id = $(my_avatar_id) ORDER BY path LIMIT 1")"
req GET "/u/$me_name"
like "$BODY" "$new_file" "... and the visitor's next look at the profile shows the new one"
done_testing

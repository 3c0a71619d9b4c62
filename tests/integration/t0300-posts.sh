#!/usr/bin/env bash
# t0300-posts.sh - posting images: JPEG, PNG, WebP and AVIF uploads give a
# post with resized variants that nginx serves as immutable files of the
# right type; small images keep only the original; a post reads back the
# same; tags are normalised; the feed is newest first and its cursor walks
# every post exactly once; Exif is stripped; media is content-addressed;
# the HTML post page and the feed page show the post.
source "$(dirname "$0")/lib.sh"

name="$(uniq_name poster)"
new_user "$name"
isnt "$TOKEN" "null" "a logged-in user"

# magic FILE N: the first N bytes as hex
magic() { od -An -tx1 -N"$2" "$1" | tr -d ' \n'; }

# ---- one upload per format ----------------------------------------------------
declare -A first_post
for fmt in jpeg png webp avif; do
	img="$(image "$fmt" 1000 600 7)"
	upload "$img" "a $fmt lighthouse at dusk" -F "caption=made as $fmt"
	is "$STATUS" 201 "$fmt: upload is 201"
	id="$(json .post.id)"
	like "$id" '^[0-9]+$' "$fmt: a post id"
	first_post[$fmt]="$id"
	is "$(header location)" "/p/$id" "$fmt: Location /p/$id"
	is "$(json .post.url)" "/p/$id" "$fmt: url /p/$id"
	is "$(json .post.author.username)" "$name" "$fmt: author"
	is "$(json .post.prompt)" "a $fmt lighthouse at dusk" "$fmt: prompt"
	is "$(json .post.caption)" "made as $fmt" "$fmt: caption"
	is "$(json .post.ai_generated)" true "$fmt: ai_generated"
	like "$(json .post.created_at)" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "$fmt: created_at is ISO 8601 UTC"
	is "$(json '.post.image.width'),$(json '.post.image.height')" "1000,600" "$fmt: image 1000x600"
	like "$(json .post.image.color)" '^#[0-9a-f]{6}$' "$fmt: an average colour"
	like "$(json .post.image.blurhash)" '^[]0-9A-Za-z#$%*+,.:;=?@^_{|}~[-]{6,}$' "$fmt: a blurhash"
	is "$(json '.post.image.sizes | keys | join(",")')" "1000,320,640,original" \
		"$fmt: sizes 320, 640, 1000 (labelled) and original"
	is "$(json '.post.image.sizes["320"].width'),$(json '.post.image.sizes["320"].height')" "320,192" "$fmt: 320 is 320x192"
	is "$(json '.post.image.sizes["640"].width'),$(json '.post.image.sizes["640"].height')" "640,384" "$fmt: 640 is 640x384"
	is "$(json '.post.image.sizes.original.width')" 1000 "$fmt: original is 1000 wide"
	isnt "$(json '.post.image.display.jpeg')" null "$fmt: a display size"
	for size in 320 640 original; do
		for kind in webp jpeg; do
			url="$(json ".post.image.sizes[\"$size\"].$kind")"
			like "$url" '^/media/[0-9a-f/]+\.(webp|jpg)$' "$fmt $size $kind: URL under /media/"
		done
	done
	# Fetch every file through nginx, check type, cache header and bytes.
	bad=""
	for size in 320 640 original; do
		url="$(json ".post.image.sizes[\"$size\"].webp")"
		fetch "$url" "$TMP/media"
		[[ $F_STATUS == 200 ]] || bad+=" $size.webp:$F_STATUS"
		[[ $F_TYPE == image/webp ]] || bad+=" $size.webp:type=$F_TYPE"
		grep -qx 'cache-control: public, max-age=31536000, immutable' <<<"$F_HEADERS" || bad+=" $size.webp:cache"
		m="$(magic "$TMP/media" 12)"
		[[ ${m:0:8} == 52494646 && ${m:16:8} == 57454250 ]] || bad+=" $size.webp:magic=$m"
		url="$(json ".post.image.sizes[\"$size\"].jpeg")"
		fetch "$url" "$TMP/media"
		[[ $F_STATUS == 200 ]] || bad+=" $size.jpeg:$F_STATUS"
		[[ $F_TYPE == image/jpeg ]] || bad+=" $size.jpeg:type=$F_TYPE"
		grep -qx 'cache-control: public, max-age=31536000, immutable' <<<"$F_HEADERS" || bad+=" $size.jpeg:cache"
		[[ "$(magic "$TMP/media" 3)" == ffd8ff ]] || bad+=" $size.jpeg:magic"
	done
	is "$bad" "" "$fmt: all 6 files are served (200, right type, immutable, real WebP/JPEG)"
	# The variants are really smaller files than the original.
	s320="$(stat -c %s "$MEDIA/$(json '.post.image.sizes["320"].jpeg' | sed 's|^/media/||')")"
	s1000="$(stat -c %s "$MEDIA/$(json '.post.image.sizes.original.jpeg' | sed 's|^/media/||')")"
	ok "$( ((s320 < s1000)); echo $?)" "$fmt: the 320 JPEG ($s320 B) is smaller than the original ($s1000 B)"
	if [[ $fmt == jpeg ]]; then
		POST_JPEG="$BODY"
	fi
done
req GET /media/00/00/0000000000000000000000000000000000000000000000000000000000000000.webp
is "$STATUS" 404 "a missing media file is 404"
unlike "$(header cache-control)" "immutable|public" "... and a 404 is not marked immutable (nor cacheable by others)"

# ---- a small image: its own size, labelled, and its original ----------------
upload "$(image png 200 120 2)" "a tiny robot"
is "$STATUS" 201 "200px PNG: 201"
is "$(json '.post.image.sizes | keys | join(",")')" 200,original "200px: a labelled 200 and the original"
is "$(json '.post.image.sizes.original.width'),$(json '.post.image.sizes.original.height')" "200,120" "200px: original is 200x120"
is "$(json '.post.image.display.width') $(json .post.image.display.labelled)" "200 true" \
	"200px: display is the labelled copy at its own size"
isnt "$(json '.post.image.display.jpeg')" "$(json '.post.image.sizes.original.jpeg')" \
	"200px: ... not the original"

# ---- read a post back -------------------------------------------------------
jid="${first_post[jpeg]}"
BODY="$POST_JPEG"
# (near_duplicates grows as the same picture is posted again: the other formats below)
want="$(json '.post | del(.created_text, .near_duplicates)')"
req GET "/api/v1/posts/$jid"
is "$STATUS" 200 "GET /api/v1/posts/$jid: 200"
like "$(header content-type)" '^application/json' "... JSON"
is "$(json '.post | del(.created_text, .near_duplicates)')" "$want" "... the same post as the upload returned"
req GET /api/v1/posts/987654321098
is "$STATUS" 404 "unknown post id: 404"
is "$(json .error.code)" not_found "... code not_found"
req GET /p/987654321098
is "$STATUS" 404 "unknown post page: 404"
like "$BODY" 'no such post' "... says so"

# ---- tags -------------------------------------------------------------------
upload "$(image jpeg 64 64 3)" "tagged" -F "tags=Sunset, #sea sunset"
is "$STATUS" 201 "tags: upload 201"
is "$(jsonc '.post.tags')" '["sunset","sea"]' "'Sunset, #sea sunset' -> [sunset, sea]"
upload "$(image jpeg 64 64 4)" "caption tags" -F "tags=ocean" -F "caption=Moonrise over the #Ocean (#moonlit) no#tag"
is "$(jsonc '.post.tags')" '["ocean","moonlit"]' "#words in the caption become tags too (once each)"
moon="$(json .post.id)"
req GET "/api/v1/tags/moonlit/posts"
is "$(json '.items[0].id')" "$moon" "... and the tag page lists the post"
upload "$(image jpeg 64 64 3)" "no tags" -F "tags=  ,  # "
is "$(jsonc '.post.tags')" '[]' "only separators -> no tags"
upload "$(image jpeg 64 64 3)" "bad tag" -F "tags=ok, not/ok"
is "$STATUS" 400 "a tag with / : 400"
is "$(json .error.code)" bad_tags "... code bad_tags"
upload "$(image jpeg 64 64 3)" "many tags" -F "tags=a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11"
is "$STATUS" 400 "11 tags: 400"
upload "$(image jpeg 64 64 3)" "long tag" -F "tags=$(printf 'x%.0s' {1..33})"
is "$STATUS" 400 "a 33-character tag: 400"
tid="$(sql "SELECT p.id FROM posts p JOIN post_tags pt ON pt.post_id = p.id JOIN tags t ON t.id = pt.tag_id WHERE t.name = 'sea' ORDER BY p.id DESC LIMIT 1")"
isnt "$tid" "" "the tag is linked in post_tags"

# ---- feed: newest first, cursor pagination -----------------------------------
# Bearer requests bypass nginx's anonymous microcache, so the feed is fresh.
feed() { req GET "/api/v1/feed?kind=latest${1:+&cursor=$1}" -H "Authorization: Bearer $TOKEN"; }
small="$(image png 40 30 9)"
mine=()
for i in $(seq 26); do
	upload "$small" "page post $i"
	mine+=("$(json .post.id)")
done
is "${#mine[@]}" 26 "26 more posts"
feed
is "$STATUS" 200 "feed: 200"
is "$(json '.items | length')" 24 "feed: 24 items per page"
is "$(json '.items[0].id')" "${mine[25]}" "feed: the newest post first"
is "$(json '.items[0].prompt')" "page post 26" "feed: item has the prompt"
is "$(json '.items[1].id')" "${mine[24]}" "feed: then the one before"
is "$(json '[.items[].id] | . == (sort | reverse)')" true "feed: ids strictly descending"
like "$(json .next)" '^[0-9]+$' "feed: a next cursor"
all=()
walk_log=()
cursor=""
pages=0
while :; do
	feed "$cursor"
	[[ $STATUS == 200 ]] || break
	mapfile -t -O "${#all[@]}" all < <(json '.items[].id')
	walk_log+=("cursor=$cursor: $(json '.items | length') items $(json '.items[0].id')..$(json '.items[-1].id'), next $(json .next)")
	cursor="$(json .next)"
	pages=$((pages + 1))
	[[ $cursor == null || $pages -gt 1000 ]] && break
done
is "$STATUS" 200 "every feed page: 200"
is "$cursor" null "the last page has next: null"
# posts made after the walk began (elsewhere) are not expected in it
total="$(count_rows "posts WHERE id <= ${all[0]}")"
is "${#all[@]}" "$total" "walking the cursor returns every post ($total)"
is "$(printf '%s\n' "${all[@]}" | sort -u | wc -l)" "$total" "... with no duplicates"
declare -A seen
for id in "${all[@]}"; do seen[$id]=1; done
missing=0
missing_ids=""
for id in "${mine[@]}" "${first_post[@]}"; do
	[[ -n ${seen[$id]:-} ]] || { missing=$((missing + 1)); missing_ids+=" $id"; }
done
if ((missing == 0)); then pass "... including all of this test's posts"; else fail "... including all of this test's posts" "missing:$missing_ids" "${walk_log[@]}"; fi
is "$(printf '%s\n' "${all[@]}" | sort -rn | tr '\n' ' ')" "$(printf '%s\n' "${all[@]}" | tr '\n' ' ')" "... in descending order across pages"
feed "${mine[1]}"
is "$(json '.items[0].id')" "${mine[0]}" "cursor=ID starts just below ID"
req GET "/api/v1/feed?cursor=abc"
is "$STATUS" 400 "bad cursor: 400"
is "$(json .error.code)" bad_cursor "... code bad_cursor"
req GET "/api/v1/feed?cursor=-5"
is "$STATUS" 400 "negative cursor: 400"
req GET "/api/v1/feed?cursor=99999999999999999999999"
is "$STATUS" 400 "overflowing cursor: 400"
req GET "/api/v1/feed?kind=nonsense"
is "$STATUS" 400 "unknown kind: 400"
is "$(json .error.code)" bad_kind "... code bad_kind"
req GET "/api/v1/feed?cursor=1"
is "$STATUS" 200 "cursor=1 (before the first post): 200"
is "$(json '.items | length'),$(json .next)" "0,null" "... empty, next null"

# ---- Exif is stripped -------------------------------------------------------
"$MKIMAGE" exifjpeg "$TMP/exif.jpg" >/dev/null
ok "$(grep -q SECRET-EXIF-MARKER "$TMP/exif.jpg"; echo $?)" "the test image carries the Exif marker"
upload "$TMP/exif.jpg" "with exif"
is "$STATUS" 201 "Exif JPEG: 201"
leaks="$(grep -rl SECRET-EXIF-MARKER "$MEDIA" 2>/dev/null | head -3)"
is "$leaks" "" "the Exif marker is in no stored media file"
fetch "$(json .post.image.sizes.original.jpeg)" "$TMP/orig.jpg"
ok "$(! grep -q SECRET-EXIF-MARKER "$TMP/orig.jpg"; echo $?)" "the served original has no Exif marker"

# ---- content-addressed media ------------------------------------------------
dup="$(image webp 700 500 42)"
upload "$dup" "twice, first"
is "$STATUS" 201 "same image, first upload: 201"
p1="$(json .post.id)"
paths1="$(jsonc '.post.image.sizes')"
media1="$(count_media)"
upload "$dup" "twice, second"
is "$STATUS" 201 "same image, second upload: 201"
p2="$(json .post.id)"
isnt "$p2" "$p1" "... two different posts"
is "$(jsonc '.post.image.sizes')" "$paths1" "... with the same media paths"
is "$(count_media)" "$media1" "... and no new media files"
is "$(json .post.prompt)" "twice, second" "... each with its own prompt"

# ---- the HTML faces ---------------------------------------------------------
req GET "/p/$jid"
is "$STATUS" 200 "/p/$jid: 200"
like "$(header content-type)" '^text/html' "/p/$jid: HTML"
like "$BODY" 'a jpeg lighthouse at dusk' "the page shows the prompt"
like "$BODY" "@$name" "the page shows the author"
like "$BODY" 'AI-generated' "the page has the AI-generated label"
BODY="$POST_JPEG"
disp="$(json .post.image.display.jpeg)"
req GET "/p/$jid"
like "$BODY" "<img src=\"$disp\"" "the page has an <img> with the display URL"
like "$BODY" 'made as jpeg' "the page shows the caption"
like "$BODY" '<title>a jpeg lighthouse at dusk' "the title is the prompt"
req GET "/p/$tid"
like "$BODY" '#sunset' "the tagged post page lists #sunset"
# The feed page, with the session cookie so the microcache cannot serve an older copy.
req GET / -b "imagier_session=$TOKEN"
is "$STATUS" 200 "feed page: 200"
like "$BODY" "href=\"/p/$p2\"" "the feed page links the newest post"
like "$BODY" 'twice, second' "the feed page shows its prompt"
like "$BODY" 'rel="next" href="/\?cursor=[0-9]+"' "the feed page links the next page"
req GET "/?cursor=${mine[1]}" -b "imagier_session=$TOKEN"
like "$BODY" "href=\"/p/${mine[0]}\"" "the next page link works in HTML"
like "$BODY" 'Older posts' "... and says it shows older posts"

is "$(http_code /healthz)" 200 "healthz still 200"
done_testing

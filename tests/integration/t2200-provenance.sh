#!/usr/bin/env bash
# t2200-provenance.sh - every image file imagier serves says it is AI-made, in
# a form machines read: exiftool finds the IPTC digital source type
# trainedAlgorithmicMedia in the XMP of every size and format of an uploaded
# PNG, an uploaded JPEG and a published generation, fetched through nginx,
# with the post's URL, the site, the backend and the model. A generation is
# marked before it is published too; a shared image keeps its first post;
# `imagier stamp-media` puts the metadata back into files that lack it.
# (The visible label's pixels are checked in tests/unit/test_provenance.c.)
source "$(dirname "$0")/lib.sh"

command -v exiftool >/dev/null || {
	echo "1..0 # SKIP exiftool is not installed (tools/deps.sh test)"
	exit 0
}

base="$("$IMAGIER_BIN/imagier" config | sed -n 's/^site\.base_url = //p')"
base="${base%/}"
like "$base" '^https?://' "the site has a public base URL ($base)"

# xmp FILE: the XMP of FILE as compact JSON (raw values, -n), {} if none.
xmp() { exiftool -j -n -XMP:all "$1" 2>/dev/null | jq -c '.[0] // {}'; }
# files_of POST: "size format url" lines from the post's image sizes and
# its square cards ("card320", ...).
files_of() {
	req GET "/api/v1/posts/$1"
	json '.post.image | (.sizes | to_entries[]),
		(.card.srcset_jpeg, .card.srcset_webp | select(.) | split(", ")[] | split(" ")
		| {key: ("card" + (.[1] | rtrimstr("w"))),
		   value: {(if .[0] | endswith(".jpg") then "jpeg" else "webp" end): .[0]}})
		| .key as $k | .value | to_entries[]
		| select(.key == "webp" or .key == "jpeg") | "\($k) \(.key) \(.value)"'
}

# check_post POST BACKEND MODEL: every file of the post, through nginx.
check_post() {
	local post=$1 backend=$2 model=$3 size fmt url n=0 bad=() x f
	while read -r size fmt url; do
		[[ -n $url ]] || continue
		n=$((n + 1))
		f="$TMP/p$post-$size.$fmt"
		fetch "$url" "$f"
		[[ $F_STATUS == 200 ]] || bad+=("$url: HTTP $F_STATUS")
		[[ $F_TYPE == "image/$fmt" ]] || bad+=("$url: Content-Type $F_TYPE")
		grep -q '^x-content-type-options: nosniff$' <<<"$F_HEADERS" ||
			bad+=("$url: no nosniff")
		x="$(xmp "$f")"
		[[ $(jq -r .DigitalSourceType <<<"$x") == */trainedAlgorithmicMedia ]] ||
			bad+=("$url: DigitalSourceType $(jq -r .DigitalSourceType <<<"$x")")
		[[ $(jq -r .Post <<<"$x") == "$base/p/$post" ]] || bad+=("$url: Post $(jq -r .Post <<<"$x")")
		[[ $(jq -r .Source <<<"$x") == "$base/p/$post" ]] || bad+=("$url: Source")
		[[ $(jq -r .Backend <<<"$x") == "$backend" ]] || bad+=("$url: Backend $(jq -r .Backend <<<"$x")")
		[[ $(jq -r .Model <<<"$x") == "$model" ]] || bad+=("$url: Model $(jq -r .Model <<<"$x")")
		[[ $(jq -r .Site <<<"$x") == imagier ]] || bad+=("$url: Site $(jq -r .Site <<<"$x")")
		[[ $(jq -r .Credit <<<"$x") == imagier ]] || bad+=("$url: Credit")
		exiftool -validate -warning -a "$f" | grep -q 'Validate *: OK' ||
			bad+=("$url: exiftool -validate: $(exiftool -validate -warning -a "$f" | tr '\n' ' ')")
	done < <(files_of "$post")
	if ((${#bad[@]} == 0)); then
		pass "post $post: $n files, all with the provenance ($backend${model:+ $model})"
	else
		fail "post $post: provenance of its files" "${bad[@]}"
	fi
	CHECKED=$n
}

new_user "$(uniq_name prov)"
# pictures of their own on every run: identical bytes would share the files
# (and so the post URL) of an earlier run's post
seed=$((RANDOM * 32768 + RANDOM + 1000))

# ---- uploads ------------------------------------------------------------------
upload "$(image png 1400 900 "$seed")" "a lighthouse at dusk"
is "$STATUS" 201 "upload a PNG"
p_png="$(json .post.id)"
upload "$(image jpeg 700 500 "$((seed + 1))")" "a quiet harbour"
is "$STATUS" 201 "upload a JPEG"
p_jpg="$(json .post.id)"

check_post "$p_png" upload ""
is "$CHECKED" 12 "  ... 320, 640, 1280, cards 320 and 640 and the original, WebP and JPEG each"
check_post "$p_jpg" upload ""
is "$CHECKED" 10 "  ... 320, 640, a labelled 700, card 320 and the original of the smaller one"

files_of "$p_png" >"$TMP/png-files"
is "$(grep -c '^original ' "$TMP/png-files")" 2 "the original size is served too, in both formats"

# media_files.bytes follows the stamped files
sizes_ok=0
while read -r path bytes; do
	[[ $(stat -c %s "$MEDIA/$path") == "$bytes" ]] || sizes_ok=1
done < <(sql "SELECT m.path, m.bytes FROM media_files m JOIN posts p ON p.image_id = m.image_id
	WHERE p.id IN ($p_png, $p_jpg)")
ok "$sizes_ok" "media_files.bytes is the size of the stamped file"

# ---- a generation: marked before it is published, then with its post -------------
gen_wait() {
	local id=$1 i st
	for ((i = 0; i < 150; i++)); do
		req GET "/api/v1/generations/$id" -H "Authorization: Bearer $TOKEN"
		st="$(json .generation.status)"
		[[ $st == queued || $st == running ]] || return 0
		sleep 0.2
	done
	return 1
}
req POST /api/v1/generations -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	--data "{\"prompt\":\"provenance test $(uniq_name g)\",\"seed\":2200,\"width\":768,\"height\":512}"
is "$STATUS" 202 "queue a procedural generation"
g="$(json .generation.id)"
gen_wait "$g"
is "$(json .generation.status)" succeeded "  ... it succeeds"
model="$(json .generation.model)"
preview="$(json .generation.image.sizes.original.webp)"
fetch "$preview" "$TMP/preview.webp"
x="$(xmp "$TMP/preview.webp")"
like "$(jq -r .DigitalSourceType <<<"$x")" 'trainedAlgorithmicMedia$' \
	"the unpublished result is marked already"
is "$(jq -r .Backend <<<"$x")/$(jq -r .Model <<<"$x")" "procedural/$model" "  ... with its backend and model"
is "$(jq -r '.Post // "none"' <<<"$x")" none "  ... and no post URL yet"

req POST "/api/v1/generations/$g/publish" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data '{"caption":"stamped"}'
is "$STATUS" 201 "publish it"
p_gen="$(json .post.id)"
check_post "$p_gen" procedural "$model"
is "$CHECKED" 10 "  ... 320, 640, a labelled 768, card 320 and the original"

# ---- a shared image keeps its first post -----------------------------------------
upload "$(image png 1400 900 "$seed")" "the same lighthouse again"
is "$STATUS" 201 "upload the same PNG bytes again"
p_again="$(json .post.id)"
is "$(sql "SELECT COUNT(DISTINCT image_id) FROM posts WHERE id IN ($p_png, $p_again)")" 1 \
	"  ... the two posts share one image"
url="$(files_of "$p_again" | awk '$1 == "640" && $2 == "webp" { print $3 }')"
fetch "$url" "$TMP/again.webp"
is "$(xmp "$TMP/again.webp" | jq -r .Post)" "$base/p/$p_png" \
	"  ... whose files name the first post (documented)"

# ---- stamp-media repairs files without the metadata -------------------------------
path="$(files_of "$p_jpg" | awk '$1 == "320" && $2 == "jpeg" { print $3 }')"
path="${path#/media/}"
exiftool -q -overwrite_original -XMP:all= "$MEDIA/$path"
is "$(xmp "$MEDIA/$path" | jq -r '.DigitalSourceType // "none"')" none \
	"a file stripped of its XMP (as files from before this feature)"
out="$("$IMAGIER_BIN/imagier" stamp-media 2>"$TMP/stamp.err")"
is "$?" 0 "imagier stamp-media succeeds"
like "$out" '^stamped [1-9][0-9]* files' "  ... and says how many files it stamped"
x="$(xmp "$MEDIA/$path")"
is "$(jq -r .Post <<<"$x")" "$base/p/$p_jpg" "  ... the stripped file has its post's URL again"
like "$(jq -r .DigitalSourceType <<<"$x")" 'trainedAlgorithmicMedia$' "  ... and the source type"
is "$(stat -c %s "$MEDIA/$path")" \
	"$(sql "SELECT bytes FROM media_files WHERE path = '$path'")" "  ... and media_files.bytes follows"
out="$("$IMAGIER_BIN/imagier" stamp-media 2>/dev/null)"
like "$out" '^stamped 0 files' "a second run has nothing to do"

done_testing

#!/usr/bin/env bash
# t2210-labelled-display.sh - what people see carries the visible label, and
# the files say nothing imagier did not put in them. A default 768 x 768
# generation and a small upload are shown -- on the post page, in the feed
# cards, in the Atom and RSS enclosures and through oEmbed -- as labelled
# display files, never as the clean original (which stays the "full size"
# download); the cards use labelled squares; the page does not put the HTML
# badge over pixels that carry the label. No JPEG served has libgd's
# "CREATOR: gd-jpeg" comment. (The label's pixels are checked in
# tests/unit/test_provenance.c.)
source "$(dirname "$0")/lib.sh"

# path_of URL: the path of an absolute URL of this site.
path_of() { sed -E 's#^https?://[^/]+##' <<<"$1"; }
# side FILE: "WxH" of a JPEG, from its SOF segment.
side() {
	python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read(); i = 2
while i < len(d):
    m = d[i+1]; n = struct.unpack(">H", d[i+2:i+4])[0]
    if 0xC0 <= m <= 0xCF and m not in (0xC4, 0xC8, 0xCC):
        h, w = struct.unpack(">HH", d[i+5:i+9]); print(f"{w}x{h}"); break
    i += 2 + n' "$1"
}

name="$(uniq_name lab)"
new_user "$name"

# ---- a default generation (768 x 768), published ----------------------------------
req POST /api/v1/generations -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	--data "{\"prompt\":\"a labelled lighthouse $(uniq_name g)\",\"seed\":2210}"
is "$STATUS" 202 "queue a generation of the default size"
g="$(json .generation.id)"
for ((i = 0; i < 150; i++)); do
	req GET "/api/v1/generations/$g" -H "Authorization: Bearer $TOKEN"
	[[ $(json .generation.status) == queued || $(json .generation.status) == running ]] || break
	sleep 0.2
done
is "$(json .generation.status) $(json .generation.image.width)x$(json .generation.image.height)" \
	"succeeded 768x768" "  ... it is 768 x 768"
isnt "$(json .generation.image.display.jpeg)" "$(json .generation.image.sizes.original.jpeg)" \
	"  ... its result page shows a labelled copy, not the original"
req POST "/api/v1/generations/$g/publish" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data '{"caption":"labelled"}'
is "$STATUS" 201 "publish it"
p_gen="$(json .post.id)"
upload "$(image png 600 400 2210)" "a small upload"
is "$STATUS" 201 "upload a 600 x 400 PNG"
p_small="$(json .post.id)"

for p in "$p_gen" "$p_small"; do
	req GET "/api/v1/posts/$p"
	orig_j="$(json .post.image.sizes.original.jpeg)"
	orig_w="$(json .post.image.sizes.original.webp)"
	disp="$(json .post.image.display.jpeg)"
	W="$(json .post.image.width)"
	H="$(json .post.image.height)"
	is "$(json .post.image.display.width)x$(json .post.image.display.height)" "${W}x$H" \
		"post $p: shown at its own size, ${W}x$H"
	isnt "$disp" "$orig_j" "  ... by a file that is not the original"
	is "$(json .post.image.labelled) $(json .post.image.display.labelled)" "true true" \
		"  ... the API says what is shown is labelled"
	is "$(json .post.image.sizes.original.labelled)" false "  ... and that the original is not"
	unlike "$(json .post.image.srcset_jpeg) $(json .post.image.srcset_webp)" \
		"$orig_j|$orig_w" "  ... no srcset offers the original"
	fetch "$disp" "$TMP/disp.jpg"
	fetch "$orig_j" "$TMP/orig.jpg"
	is "$(side "$TMP/disp.jpg") $(side "$TMP/orig.jpg")" "${W}x$H ${W}x$H" \
		"  ... both files are ${W}x$H"
	isnt "$(md5sum <"$TMP/disp.jpg")" "$(md5sum <"$TMP/orig.jpg")" "  ... with other pixels"
	card="$(json .post.image.card.jpeg)"
	is "$(json .post.image.card.width)x$(json .post.image.card.height) $(json .post.image.card.labelled)" \
		"320x320 true" "  ... its card is a labelled 320 px square"
	cardset="$(json .post.image.card.srcset_jpeg)"

	# the post page
	req GET "/p/$p"
	is "$STATUS" 200 "  ... its page answers"
	like "$BODY" "<img src=\"$disp\"" "  ... the page's picture is the labelled file"
	is "$(grep -o "$orig_j\|$orig_w" <<<"$BODY" | wc -l)" 1 \
		"  ... the original appears once: the full size link"
	like "$BODY" "<a href=\"$orig_j\">full size</a>" "  ... (that link)"
	unlike "$BODY" 'class="ai-label"' "  ... no HTML badge over a label that is in the pixels"
	like "$BODY" '<span class="visually-hidden">AI-generated</span>' \
		"  ... which screen readers still hear"

	# the card in the person's feed
	req GET "/u/$name"
	card_html="$(tr '\n' ' ' <<<"$BODY" | grep -o "<li class=\"card\" id=\"post-$p\">.*" |
		sed 's#</li>.*##')"
	like "$card_html" "<img src=\"$card\" srcset=\"$cardset\"" \
		"  ... its feed card shows the labelled square"
	unlike "$card_html" "$orig_j|$orig_w|$disp" "  ... and nothing else"
	unlike "$card_html" 'class="ai-label"' "  ... without the HTML badge"

	# oEmbed, any maxwidth
	for mw in "" "&maxwidth=5000"; do
		req GET "/oembed?url=/p/$p$mw"
		u="$(path_of "$(json .url)")"
		is "$STATUS $u" "200 $disp" "  ... oembed$mw: the labelled file"
		isnt "$u" "$orig_j" "  ... oembed$mw: not the original"
	done
done

# ---- feeds ------------------------------------------------------------------------
req GET "/api/v1/posts/$p_gen"
disp_gen="$(json .post.image.display.jpeg)"
origs="$(json .post.image.sizes.original.jpeg)"
req GET "/api/v1/posts/$p_small"
disp_small="$(json .post.image.display.jpeg)"
origs+="|$(json .post.image.sizes.original.jpeg)"
req GET "/u/$name/feed.atom"
is "$STATUS" 200 "the Atom feed answers"
encs="$(grep -o 'rel="enclosure"[^>]*href="[^"]*"' <<<"$BODY" | sed -E 's#.*href="([^"]*)"#\1#' |
	while read -r u; do path_of "$u"; done | sort | tr '\n' ' ')"
is "$encs" "$(printf '%s\n' "$disp_gen" "$disp_small" | sort | tr '\n' ' ')" \
	"  ... its enclosures are the labelled files"
unlike "$encs" "$origs" "  ... not the originals"
req GET "/u/$name/feed.rss"
encs="$(grep -o '<enclosure url="[^"]*"' <<<"$BODY" | sed -E 's#.*url="([^"]*)"#\1#' |
	while read -r u; do path_of "$u"; done | sort | tr '\n' ' ')"
is "$encs" "$(printf '%s\n' "$disp_gen" "$disp_small" | sort | tr '\n' ' ')" \
	"the RSS enclosures are the labelled files"
unlike "$encs" "$origs" "  ... not the originals"

# ---- no JPEG says "CREATOR: gd-jpeg" ------------------------------------------------
req PUT /api/v1/me/avatar -H "Authorization: Bearer $TOKEN" -F "avatar=@$(image png 200 200 2210)"
is "$STATUS" 200 "set an avatar"
urls=("$(json .user.avatar.jpeg)")
for p in "$p_gen" "$p_small"; do
	req GET "/api/v1/posts/$p"
	mapfile -t -O "${#urls[@]}" urls < <(json '.post.image | (.sizes[], .card) | .jpeg')
done
bad=()
for u in "${urls[@]}"; do
	fetch "$u" "$TMP/x.jpg"
	[[ $F_STATUS == 200 && $F_TYPE == image/jpeg ]] || bad+=("$u: $F_STATUS $F_TYPE")
	grep -q 'CREATOR: gd-jpeg' "$TMP/x.jpg" && bad+=("$u: has libgd's comment")
done
if ((${#bad[@]} == 0)); then
	pass "none of the ${#urls[@]} JPEGs served (posts, cards, avatar) has libgd's comment"
else
	fail "JPEGs without libgd's comment" "${bad[@]}"
fi

done_testing

#!/usr/bin/env bash
# t2120-content-warnings.sh - a post can carry a content warning (upload and
# publish set it); each viewer chooses: blur (the default, and for anonymous
# visitors) marks it "cw_blur" and the card puts the picture inside a
# closed <details> behind the warning; hide leaves it out of feeds and the
# post page shows a notice with "show anyway"; show shows it plainly.
source "$(dirname "$0")/lib.sh"

feed_item() { # feed_item TOKEN|"" POST: the post's feed item as compact JSON, or null
	if [[ -n $1 ]]; then
		req GET "/api/v1/feed?kind=latest" -H "Authorization: Bearer $1"
	else
		req GET "/api/v1/feed?kind=latest&x=$RANDOM"
	fi
	jsonc "[.items[] | select(.id == $2)][0]"
}
set_cw() { # set_cw TOKEN CHOICE
	req PUT /api/v1/me/filters -H "Authorization: Bearer $1" \
		-H 'Content-Type: application/json' --data "{\"content_warnings\":\"$2\"}"
}
card_of() { # card_of HTML POST: the <li class="card"> of that post
	perl -0ne "print \$1 if m{(<li class=\"card\" id=\"post-$2\">.*?</li>)}s" <<<"$1"
}

new_user "$(uniq_name maker)"
maker=$TOKEN
maker_name="$(json .user.username)"
upload "$(image png 80 80 91)" "a stormy night" -F "content_warning= flashing lights "
is "$STATUS" 201 "an upload with a content warning: 201"
post=$(json .post.id)
is "$(json .post.content_warning)" "flashing lights" "... the post carries it (trimmed)"
upload "$(image png 80 80 92)" "a calm morning"
plain=$(json .post.id)
is "$(json .post.content_warning)" "" "... and a post without one has \"\""
upload "$(image png 80 80 93)" "too much" -F "content_warning=$(head -c 41 /dev/zero | tr '\0' 'x')"
is "$STATUS/$(json .error.code)" 400/bad_content_warning "a warning over 40 characters: 400"

new_user "$(uniq_name viewer)"
viewer=$TOKEN
viewer_name="$(json .user.username)"

# Blur: the default.
is "$(feed_item "$viewer" "$post" | jq -r .cw_blur)" true "blur (default): cw_blur in the feed"
is "$(feed_item "$viewer" "$plain" | jq -r .cw_blur)" null "... not on a post without a warning"
is "$(feed_item "" "$post" | jq -r .cw_blur)" true "anonymous visitors get blur too"
jar="$TMP/jar"
login_jar "$viewer_name" "$jar"
req GET / -b "$jar"
card="$(card_of "$BODY" "$post")"
like "$card" '<details class="cw" data-cw>' "the card wraps the picture in a <details>"
like "$card" '<summary>.*Content warning: flashing lights\. <span class="cw-show">Show image</span>' \
	"... whose summary says the warning"
like "$card" '<details class="cw" data-cw>.*<img [^>]*alt="a stormy night".*</details>' \
	"... with the picture (and its alt text) inside"
unlike "$(card_of "$BODY" "$plain")" 'class="cw"' "a card without a warning has no <details>"
req GET "/p/$post"
like "$BODY" '<details class="cw big" data-cw>' "anonymous: the post page blurs the picture too"
like "$BODY" '<details class="cw big" data-cw>.*<figure class="photo".*</figure>.*</details>' \
	"... the figure inside the <details>"

# Hide.
set_cw "$viewer" hide
is "$STATUS" 200 "choosing hide: 200"
is "$(feed_item "$viewer" "$post")" null "hide: the post leaves the feed"
is "$(feed_item "$viewer" "$plain" | jq -r .id)" "$plain" "... others stay"
req GET "/p/$post" -b "$jar"
like "$BODY" 'Show anyway' "the post page says it is hidden, with a way to see it"
like "$BODY" "href=\"/p/$post\?cw=show\"" "... ?cw=show"
unlike "$BODY" 'alt="a stormy night"' "... and does not show the picture"
req GET "/p/$post?cw=show" -b "$jar"
like "$BODY" 'alt="a stormy night"' "?cw=show shows the picture"
unlike "$BODY" 'class="cw big"' "... not blurred"
req GET "/api/v1/posts/$post" -H "Authorization: Bearer $viewer"
is "$(json .post.cw_hidden)" true "the post's API face says cw_hidden"
set_cw "$maker" hide
is "$(feed_item "$maker" "$post" | jq -r .cw_blur)" true "the author who hides such posts still sees their own, blurred"

# Show.
set_cw "$viewer" show
is "$(feed_item "$viewer" "$post" | jq -c '[.id, .cw_blur]')" "[$post,null]" "show: in the feed, no cw_blur"
req GET / -b "$jar"
card="$(card_of "$BODY" "$post")"
like "$card" 'alt="a stormy night"' "... the card shows the picture"
unlike "$card" 'class="cw"' "... plainly"
req GET "/p/$post" -b "$jar"
unlike "$BODY" 'class="cw big"' "... and so does the post page"

# Publishing a generation can set a warning too.
TOKEN=$maker
req POST /api/v1/generations -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	--data '{"prompt":"a storm of lightning","seed":7,"width":256,"height":256}'
gid=$(json .generation.id)
for ((i = 0; i < 150; i++)); do
	req GET "/api/v1/generations/$gid" -H "Authorization: Bearer $TOKEN"
	[[ "$(json .generation.status)" == succeeded || "$(json .generation.status)" == failed ]] && break
	sleep 0.2
done
if [[ "$(json .generation.status)" == succeeded ]]; then
	req POST "/api/v1/generations/$gid/publish" -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' --data '{"caption":"zap","content_warning":"flashing"}'
	is "$STATUS" 201 "publishing with a content warning: 201"
	is "$(json .post.content_warning)" flashing "... the post carries it"
else
	skip "publishing with a content warning" "no generation worker"
fi
done_testing

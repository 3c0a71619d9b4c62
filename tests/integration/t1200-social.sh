#!/usr/bin/env bash
# t1200-social.sh - likes, comments and replies, follows (people and tags),
# profiles and avatars, notifications: every endpoint over HTTP, the bad
# input, the counters under concurrent requests (counter == rows), and the
# pages that show all of it (escaped).
source "$(dirname "$0")/lib.sh"

# gen_wait ID: poll the generation until it is over (as TOKEN).
gen_wait() {
	local i st
	for ((i = 0; i < 150; i++)); do
		api GET "/api/v1/generations/$1"
		st="$(json .generation.status)"
		[[ $st == queued || $st == running ]] || return 0
		sleep 0.2
	done
	return 1
}
likes_of() { sql "SELECT like_count, (SELECT COUNT(*) FROM likes WHERE post_id = $1) FROM posts WHERE id = $1"; }
comments_of() {
	sql "SELECT comment_count, (SELECT COUNT(*) FROM comments WHERE post_id = $1 AND deleted = 0) FROM posts WHERE id = $1"
}
followers_of() {
	sql "SELECT follower_count, (SELECT COUNT(*) FROM follows WHERE followee_id = u.id) FROM users u WHERE username = '$1'"
}
following_of() {
	sql "SELECT following_count, (SELECT COUNT(*) FROM follows WHERE follower_id = u.id) FROM users u WHERE username = '$1'"
}
same_pair() { [[ $1 =~ ^([0-9]+)[[:space:]]+([0-9]+)$ ]] && [[ ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]]; }

new_user "$(uniq_name ann)"
A=$TOKEN an="$(json .user.username)"
new_user "$(uniq_name bob)"
B=$TOKEN bn="$(json .user.username)"
new_user "$(uniq_name cat)"
C=$TOKEN
jarA="$TMP/jarA" jarB="$TMP/jarB"

tg="$(uniq_name lh)"
TOKEN=$A
upload "$(image png 96 64 11)" "a lighthouse in a storm" -F "tags=$tg, storm"
is "$STATUS" 201 "ann uploads a post"
p="$(json .post.id)"
is "$(json .post.like_count)/$(json .post.comment_count)" "0/0" "  ... with no likes and no comments"

# --- likes ---------------------------------------------------------------------
TOKEN=$B
api PUT "/api/v1/posts/$p/like"
is "$STATUS" 200 "PUT like answers 200"
is "$(jsonc '[.like_count, .liked_by_me, .changed]')" "[1,true,true]" "  ... like_count 1, liked_by_me, changed"
api PUT "/api/v1/posts/$p/like"
is "$STATUS" 200 "liking twice answers 200"
is "$(jsonc '[.like_count, .liked_by_me, .changed]')" "[1,true,false]" "  ... and changes nothing"
api GET "/api/v1/posts/$p"
is "$(jsonc '[.post.like_count, .post.liked_by_me]')" "[1,true]" "the post says liked_by_me to the liker"
TOKEN=$C
api GET "/api/v1/posts/$p"
is "$(json .post.liked_by_me)" false "  ... not to somebody else"
req GET "/api/v1/posts/$p"
is "$(json '.post | has("liked_by_me")')" false "  ... and nothing to nobody (anonymous)"
api DELETE "/api/v1/posts/$p/like"
is "$STATUS" 200 "unliking what was never liked answers 200"
is "$(jsonc '[.like_count, .liked_by_me, .changed]')" "[1,false,false]" "  ... changes nothing and leaves the count"
TOKEN=$B
api DELETE "/api/v1/posts/$p/like"
is "$(jsonc '[.like_count, .liked_by_me, .changed]')" "[0,false,true]" "DELETE like: back to 0"
api DELETE "/api/v1/posts/$p/like"
is "$(jsonc '[.like_count, .changed]')" "[0,false]" "unliking twice: still 0"
api PUT "/api/v1/posts/999999999/like"
is "$STATUS" 404 "liking an unknown post: 404"
is "$(json .error.code)" not_found "  ... not_found"
req PUT "/api/v1/posts/$p/like"
is "$STATUS" 401 "anonymous like: 401"
login_jar "$bn" "$jarB"
csrfB=$JAR_CSRF
req PUT "/api/v1/posts/$p/like" -b "$jarB"
is "$STATUS" 403 "a like with the session cookie but no CSRF token: 403"
req PUT "/api/v1/posts/$p/like" -b "$jarB" -H "X-CSRF-Token: $csrfB"
is "$(jsonc '[.like_count, .liked_by_me]')" "[1,true]" "  ... with the X-CSRF-Token header it counts"
req POST "/p/$p/like" -b "$jarB" --data-urlencode "csrf=$csrfB" --data "like=0" --data-urlencode "next=/u/$an"
is "$STATUS" 303 "the like form (no JS) answers 303"
is "$(header location)" "/u/$an" "  ... back to the page it came from"
req POST "/p/$p/like" -b "$jarB" --data-urlencode "csrf=$csrfB" --data "like=1" --data-urlencode "next=//evil.example/x"
is "$(header location)" "/p/$p" "  ... never to another site"
ok "$(same_pair "$(likes_of "$p")"; echo $?)" "like_count equals the rows in likes ($(likes_of "$p" | tr '\t' /))"
req GET "/api/v1/feed?kind=latest" -H "Authorization: Bearer $B"
is "$(json "[.items[] | select(.id == $p)][0] | [.like_count, .liked_by_me] | @text")" "[1,true]" \
	"the feed shows the new count and liked_by_me"
TOKEN=$B
api DELETE "/api/v1/posts/$p/like"
req GET "/api/v1/feed?kind=latest" -H "Authorization: Bearer $B"
is "$(json "[.items[] | select(.id == $p)][0] | [.like_count, .liked_by_me] | @text")" "[0,false]" \
	"  ... and after an unlike, at once (the cached post is dropped)"
api PUT "/api/v1/posts/$p/like"

# --- likes under concurrency -------------------------------------------------------
new_user "$(uniq_name hot)"
hn="$(json .user.username)"
upload "$(image png 64 64 12)" "a crowded beach at noon"
hot="$(json .post.id)"
toks=() names=()
for i in $(seq 1 20); do
	new_user "$(uniq_name fan)"
	toks+=("$TOKEN")
	names+=("$(json .user.username)")
done
put_like() { curl -s -o /dev/null --max-time 30 -X "${3:-PUT}" -H "Authorization: Bearer $1" "$IMAGIER_URL/api/v1/posts/$2/like"; }
for t in "${toks[@]}"; do put_like "$t" "$hot" & done
for i in 1 2 3 4 5 6; do put_like "${toks[0]}" "$hot" & done
wait
is "$(likes_of "$hot" | tr '\t' /)" "20/20" "20 people liking at once (one of them 7 times): like_count 20 = 20 rows"
TOKEN=${toks[5]}
api GET "/api/v1/posts/$hot"
is "$(json .post.like_count)" 20 "  ... and the API says 20"
for i in $(seq 0 9); do put_like "${toks[$i]}" "$hot" DELETE & done
for i in 1 2 3 4; do put_like "${toks[0]}" "$hot" DELETE & done
for i in 1 2 3; do
	put_like "${toks[19]}" "$hot" DELETE &
	put_like "${toks[19]}" "$hot" PUT &
done
wait
lc="$(likes_of "$hot")"
ok "$(same_pair "$lc"; echo $?)" "unlikes racing each other and likes: like_count = rows ($(tr '\t' / <<<"$lc"))"
like "$lc" '^(9|10)[[:space:]]' "  ... 10 unliked (and the PUT/DELETE race ended either way)"

# --- comments and replies ---------------------------------------------------------
TOKEN=$B
api POST "/api/v1/posts/$p/comments" '{"text":"  What a view!  "}'
is "$STATUS" 201 "POST comment answers 201"
c1="$(json .comment.id)"
is "$(json .comment.text)" "What a view!" "  ... the text, trimmed"
is "$(json .comment.author.username)" "$bn" "  ... the author"
is "$(json .comment.mine)" true "  ... mine"
is "$(json .comment.post_id)" "$p" "  ... the post"
api POST "/api/v1/posts/$p/comments" '{"text":"<script>alert(1)</script> & <b>bold</b> \"q\""}'
is "$STATUS" 201 "a comment full of HTML is taken as text"
c2="$(json .comment.id)"
is "$(json .comment.text)" '<script>alert(1)</script> & <b>bold</b> "q"' "  ... and kept as typed"
long="$(head -c 2001 /dev/zero | tr '\0' 'a')"
wide="$(for ((i = 0; i < 2000; i++)); do printf 'é'; done)"
for body in '{"text":""}' '{"text":"   \n\t  "}' '{}' '{"text":123}'; do
	api POST "/api/v1/posts/$p/comments" "$body"
	is "$STATUS/$(json .error.code)" 400/missing_text "an empty comment: 400 ($body)"
done
like "$(json .error.message)" "." "  ... with a reason"
api POST "/api/v1/posts/$p/comments" "{\"text\":\"$long\"}"
is "$STATUS/$(json .error.code)" 400/bad_text "a comment over 2000 characters: 400"
like "$(json .error.message)" "too long" "  ... says it is too long"
api POST "/api/v1/posts/$p/comments" '{"text":"ding\u0007dong"}'
is "$STATUS/$(json .error.code)" 400/bad_text "a comment with a control character: 400"
api POST "/api/v1/posts/$p/comments" '{"text":'
is "$STATUS" 400 "broken JSON: 400"
api POST "/api/v1/posts/$p/comments" "{\"text\":\"$wide\"}"
is "$STATUS" 201 "2000 characters of two bytes each are fine (characters, not bytes)"
c3="$(json .comment.id)"
api POST "/api/v1/posts/999999999/comments" '{"text":"hello?"}'
is "$STATUS" 404 "a comment on an unknown post: 404"
req POST "/api/v1/posts/$p/comments" -H 'Content-Type: application/json' --data '{"text":"anon"}'
is "$STATUS" 401 "an anonymous comment: 401"
api POST "/api/v1/posts/$p/comments" '{"text":"x","parent_id":"abc"}'
is "$STATUS/$(json .error.code)" 400/bad_parent "parent_id that is not a number: 400"
api POST "/api/v1/posts/$hot/comments" '{"text":"elsewhere"}'
elsewhere="$(json .comment.id)"
api POST "/api/v1/posts/$p/comments" "{\"text\":\"x\",\"parent_id\":$elsewhere}"
is "$STATUS" 404 "a reply to a comment on another post: 404"
api POST "/api/v1/posts/$p/comments" '{"text":"x","parent_id":999999999}'
is "$STATUS" 404 "a reply to an unknown comment: 404"
is "$(comments_of "$p" | tr '\t' /)" "3/3" "bad comments left the count alone: comment_count 3 = 3 rows"

TOKEN=$C
api POST "/api/v1/posts/$p/comments" "{\"text\":\"agreed\",\"parent_id\":$c1}"
is "$STATUS" 201 "a reply answers 201"
r1="$(json .comment.id)"
is "$(json .comment.parent_id)" "$c1" "  ... attached to the top-level comment"
api POST "/api/v1/posts/$p/comments" "{\"text\":\"me too\",\"parent_id\":\"$r1\"}"
r2="$(json .comment.id)"
is "$(json .comment.parent_id)" "$c1" "a reply to a reply joins the top-level comment (one level deep)"
req GET "/api/v1/posts/$p/comments"
is "$STATUS" 200 "GET comments answers 200 (anonymous too)"
is "$(jsonc '[.items[].id]')" "[$c1,$c2,$c3]" "  ... the top-level comments, oldest first"
is "$(jsonc '[.items[0].replies[].id]')" "[$r1,$r2]" "  ... the replies under the first"
is "$(jsonc '[.items[0].replies[].parent_id] | unique')" "[$c1]" "  ... pointing at it"
is "$(jsonc '[.items[1:][].replies | length]')" "[0,0]" "  ... and no replies elsewhere"
is "$(json .next)" null "  ... one page"
req GET "/api/v1/posts/$p/comments?cursor=zz"
is "$STATUS/$(json .error.code)" 400/bad_cursor "a bad comments cursor: 400"
req GET "/api/v1/posts/999999999/comments"
is "$STATUS" 404 "comments of an unknown post: 404"
api GET "/api/v1/posts/$p"
is "$(json .post.comment_count)" 5 "comment_count counts replies too (5)"

req GET "/p/$p" -H "Authorization: Bearer $B"
like "$BODY" '&lt;script&gt;alert\(1\)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt; &quot;q&quot;' \
	"the post page shows the HTML comment as text"
unlike "$BODY" '<script>alert' "  ... and never as markup"
like "$BODY" "<ol class=\"replies\"><li id=\"comment-$r1\">" "the replies sit under their comment"
like "$BODY" "name=\"parent_id\" value=\"$c1\"" "  ... which has a reply form"
like "$BODY" "action=\"/c/$c1/delete\"" "bob sees a delete button on his comment"
unlike "$BODY" "action=\"/c/$r1/delete\"" "  ... but not on cat's"

TOKEN=$B
api DELETE "/api/v1/comments/$r1"
is "$STATUS/$(json .error.code)" 403/forbidden "deleting somebody else's comment: 403"
TOKEN=$C
api DELETE "/api/v1/comments/$r1"
is "$STATUS" 200 "deleting one's own reply: 200"
is "$(jsonc '[.deleted, .post_id]')" "[true,$p]" "  ... says so"
api GET "/api/v1/posts/$p"
is "$(json .post.comment_count)" 4 "  ... comment_count goes down to 4"
api DELETE "/api/v1/comments/$r1"
is "$STATUS" 404 "deleting it again: 404"
req DELETE "/api/v1/comments/$r2"
is "$STATUS" 401 "an anonymous delete: 401"
TOKEN=$B
api DELETE "/api/v1/comments/$c1"
is "$STATUS" 200 "deleting a comment that has a reply"
req GET "/api/v1/posts/$p/comments"
is "$(json '.items[0] | [.id, .deleted, .text, has("author")] | @text')" "[$c1,true,\"\",false]" \
	"  ... leaves a [deleted] stub without author or text"
is "$(jsonc '[.items[0].replies[].id]')" "[$r2]" "  ... with its other reply still under it"
is "$(jsonc '.items[0].replies[0] | [.deleted, .removed, (.text | length > 0)]')" "[false,false,true]" \
	"  ... which says it is neither deleted nor removed"
req GET "/p/$p"
r2html="$(tr -d '\n' <<<"$BODY" | grep -o "<li id=\"comment-$r2\">.*" | head -c 600)"
unlike "$r2html" '\[deleted\]' "  ... and the post page shows the reply, not [deleted] (a reply is rendered inside its parent)"
like "$r2html" '<p class="text">' "  ... with its text"
adm="$(admin_token)"
req DELETE "/api/v1/comments/$c2" -H "Authorization: Bearer $adm"
is "$STATUS/$(json .error.code)" 403/moderation_action \
	"an admin cannot delete somebody's comment: removing it is a moderation action"
is "$(sql "SELECT deleted FROM comments WHERE id = $c2")" 0 "  ... and the comment is untouched"
TOKEN=$B
api DELETE "/api/v1/comments/$c2"
is "$STATUS" 200 "its author deletes it"
ok "$(same_pair "$(comments_of "$p")"; echo $?)" "comment_count equals the comments left ($(comments_of "$p" | tr '\t' /))"
is "$(comments_of "$p" | cut -f1)" 2 "  ... 2 (the long one and a reply)"
# the page form: POST /p/ID/comments, then POST /c/ID/delete
req POST "/p/$p/comments" -b "$jarB" --data-urlencode "csrf=$csrfB" --data-urlencode "text=from the form"
is "$STATUS" 303 "the comment form (no JS) answers 303"
like "$(header location)" "^/p/$p#comment-[0-9]+$" "  ... to the new comment"
cf="$(header location)"
cf="${cf##*-}"
req POST "/c/$cf/delete" -b "$jarB" --data-urlencode "csrf=wrong"
is "$STATUS" 403 "the delete form needs the CSRF token"
req POST "/c/$cf/delete" -b "$jarB" --data-urlencode "csrf=$csrfB"
is "$STATUS $(header location)" "303 /p/$p#comments" "the delete form answers 303 back to the comments"

# --- follows -------------------------------------------------------------------------
TOKEN=$B
api PUT "/api/v1/users/$an/follow"
is "$STATUS" 200 "PUT follow answers 200"
is "$(jsonc '[.username, .following, .changed]')" "[\"$an\",true,true]" "  ... following, changed"
api PUT "/api/v1/users/$an/follow"
is "$(jsonc '[.following, .changed]')" "[true,false]" "following twice changes nothing"
api GET "/api/v1/users/$an"
is "$STATUS" 200 "GET /api/v1/users/NAME answers 200"
is "$(jsonc '[.user.follower_count, .user.followed_by_me, .user.is_me]')" "[1,true,false]" \
	"  ... one follower, followed by me"
api GET "/api/v1/users/$bn"
is "$(jsonc '[.user.following_count, .user.is_me, has("followed_by_me")]')" "[1,true,false]" \
	"  ... and I follow one person"
api PUT "/api/v1/users/$bn/follow"
is "$STATUS/$(json .error.code)" 400/self_follow "following oneself: 400 self_follow"
api PUT "/api/v1/users/nobody_by_this_name_42/follow"
is "$STATUS" 404 "following nobody: 404"
req PUT "/api/v1/users/$an/follow"
is "$STATUS" 401 "an anonymous follow: 401"
ok "$(same_pair "$(followers_of "$an")"; echo $?)" "follower_count equals the rows in follows"
api DELETE "/api/v1/users/$an/follow"
is "$(jsonc '[.following, .changed]')" "[false,true]" "DELETE follow: unfollowed"
api DELETE "/api/v1/users/$an/follow"
is "$(jsonc '[.following, .changed]')" "[false,false]" "unfollowing twice: no change"
is "$(followers_of "$an" | tr '\t' /)/$(following_of "$bn" | tr '\t' /)" "0/0/0/0" "  ... both counters back to 0"
req POST "/u/$an/follow" -b "$jarB" --data-urlencode "csrf=$csrfB" --data "follow=1"
is "$STATUS $(header location)" "303 /u/$an" "the follow form (no JS) answers 303 to the profile"
req GET "/u/$an" -b "$jarB"
like "$BODY" 'Following ✓' "  ... which now says Following"
like "$BODY" '<strong>1</strong> followers' "  ... and counts 1 follower"

# many at once: 20 people follow hot, one of them 6 times, one follows and unfollows in a race
put_follow() { curl -s -o /dev/null --max-time 30 -X "${3:-PUT}" -H "Authorization: Bearer $1" "$IMAGIER_URL/api/v1/users/$2/follow"; }
for t in "${toks[@]}"; do put_follow "$t" "$hn" & done
for i in 1 2 3 4 5; do put_follow "${toks[0]}" "$hn" & done
wait
is "$(followers_of "$hn" | tr '\t' /)" "20/20" "20 people following at once: follower_count 20 = 20 rows"
is "$(following_of "${names[0]}" | tr '\t' /)" "1/1" "  ... the one who pressed 6 times follows once"
for i in 1 2 3; do
	put_follow "${toks[1]}" "$hn" DELETE &
	put_follow "${toks[1]}" "$hn" PUT &
done
for i in 2 3 4; do put_follow "${toks[$i]}" "$hn" DELETE & done
wait
fc="$(followers_of "$hn")"
ok "$(same_pair "$fc"; echo $?)" "follows and unfollows racing: follower_count = rows ($(tr '\t' / <<<"$fc"))"
ok "$(same_pair "$(following_of "${names[1]}")"; echo $?)" "  ... and following_count = rows for the racer"

# tags
TOKEN=$C
api PUT "/api/v1/tags/$tg/follow"
is "$STATUS" 200 "PUT tag follow answers 200"
is "$(jsonc '[.tag, .following, .changed]')" "[\"$tg\",true,true]" "  ... following, changed"
api PUT "/api/v1/tags/$tg/follow"
is "$(json .changed)" false "following a tag twice changes nothing"
is "$(sql "SELECT follower_count, (SELECT COUNT(*) FROM tag_follows WHERE tag_id = t.id) FROM tags t WHERE name = '$tg'" | tr '\t' /)" \
	"1/1" "  ... follower_count 1 = rows"
api PUT "/api/v1/tags/nosuchtag$RANDOM$RANDOM/follow"
is "$STATUS" 404 "following an unknown tag: 404"
api GET "/api/v1/tags/$tg/posts"
is "$STATUS" 200 "GET /api/v1/tags/TAG/posts answers 200"
is "$(jsonc '[.items[].id]')" "[$p]" "  ... with the tagged post"
is "$(json '.items[0].reason')" "tagged #$tg" "  ... and its reason"
req GET "/t/$tg" -H "Authorization: Bearer $C"
is "$STATUS" 200 "the tag page answers"
like "$BODY" "<h1 id=\"tag-name\">#$tg</h1>" "  ... with the tag's name"
like "$BODY" 'Following #' "  ... and says I follow it"
like "$BODY" "id=\"post-$p\"" "  ... and shows the post"
api DELETE "/api/v1/tags/$tg/follow"
is "$(jsonc '[.following, .changed]')" "[false,true]" "DELETE tag follow"
api DELETE "/api/v1/tags/$tg/follow"
is "$(json .changed)" false "  ... twice: no change"
is "$(sql "SELECT follower_count FROM tags WHERE name = '$tg'")" 0 "  ... follower_count 0"

# --- profile, bio, avatar -----------------------------------------------------------------
TOKEN=$A
api PATCH /api/v1/me '{"bio":"I paint <b>light</b> & \"storms\" <script>x()</script>"}'
is "$STATUS" 200 "PATCH /api/v1/me answers 200"
is "$(json .user.bio)" 'I paint <b>light</b> & "storms" <script>x()</script>' "  ... the bio is kept as typed"
req GET "/u/$an" -H "Authorization: Bearer $C"
is "$STATUS" 200 "the profile page answers"
like "$BODY" '<p class="bio">I paint &lt;b&gt;light&lt;/b&gt; &amp; &quot;storms&quot; &lt;script&gt;x\(\)&lt;/script&gt;</p>' \
	"  ... the bio is escaped"
unlike "$BODY" '<b>light|<script>x' "  ... never markup"
api GET "/api/v1/users/$an"
pc="$(json .user.post_count)"
is "$pc" 1 "ann has 1 post"
req GET "/u/$an" -H "Authorization: Bearer $C"
like "$BODY" "<strong>$pc</strong> posts</span> <span><strong>1</strong> followers</span> <span><strong>0</strong> following" \
	"the profile shows the counts"
like "$BODY" "id=\"post-$p\"" "  ... and the grid of posts"
like "$BODY" 'Follow</button>' "  ... and a follow button for cat"
api PATCH /api/v1/me "{\"bio\":\"$(head -c 301 /dev/zero | tr '\0' b)\"}"
is "$STATUS/$(json .error.code)" 400/bad_bio "a bio over 300 characters: 400"
api PATCH /api/v1/me '{}'
is "$STATUS/$(json .error.code)" 400/nothing_to_change "PATCH with nothing: 400"
req PATCH /api/v1/me -H "Authorization: Bearer $A" --data "bio=form"
is "$STATUS" 415 "PATCH with a form body: 415"
req PATCH /api/v1/me -H 'Content-Type: application/json' --data '{"bio":"x"}'
is "$STATUS" 401 "an anonymous PATCH: 401"
api GET "/api/v1/users/$an"
like "$(json .user.bio)" '^I paint' "the bad PATCHes left the bio alone"

req PUT /api/v1/me/avatar -H "Authorization: Bearer $A" -F "avatar=@$(image png 200 200 7)"
is "$STATUS" 200 "PUT /api/v1/me/avatar answers 200"
av="$(json .user.avatar.jpeg)"
like "$av" '^/media/.+\.jpg$' "  ... the user has an avatar"
like "$(http_code "$av")" 200 "  ... which is served"
req GET "/u/$an" -H "Authorization: Bearer $C"
like "$STATUS $(grep -o '<[a-z]* class="avatar[^>]*>' <<<"$BODY")" "^200 <img class=\"avatar\" src=\"$av\"" \
	"the profile shows the avatar"
printf 'not an image at all' >"$TMP/fake.png"
req PUT /api/v1/me/avatar -H "Authorization: Bearer $A" -F "avatar=@$TMP/fake.png"
is "$STATUS/$(json .error.code)" 415/bad_image "an avatar that is not an image: 415 (as for posts)"
api GET "/api/v1/users/$an"
is "$(json .user.avatar.jpeg)" "$av" "  ... the old avatar stays"
# A large JPEG avatar is stored at most 640 pixels on its longer side (it is
# decoded at a reduced scale); the 200x200 PNG above was kept as it was.
avatar_size() {
	sql "SELECT CONCAT(i.width, 'x', i.height) FROM users u JOIN images i ON i.id = u.avatar_image_id WHERE u.username = '$an'"
}
is "$(avatar_size)" 200x200 "a small avatar keeps its size"
req PUT /api/v1/me/avatar -H "Authorization: Bearer $A" -F "avatar=@$(image jpeg 3000 2000 8)"
is "$STATUS" 200 "a 3000x2000 JPEG avatar: 200"
is "$(avatar_size)" 640x427 "  ... stored at 640x427"
like "$(http_code "$(json .user.avatar.jpeg)")" 200 "  ... and served"
login_jar "$an" "$jarA"
csrfA=$JAR_CSRF
req GET /settings -b "$jarA"
is "$STATUS" 200 "the settings page answers"
like "$BODY" 'I paint &lt;b&gt;light' "  ... with the bio (escaped) in the form"
req POST /settings -b "$jarA" -F "csrf=$csrfA" -F "bio=Lighthouses, mostly."
is "$STATUS $(header location)" "303 /u/$an" "saving the settings form goes to the profile"
req POST /settings -b "$jarA" -F "csrf=nope" -F "bio=hacked"
is "$STATUS" 403 "  ... and needs the CSRF token"
api GET "/api/v1/users/$an"
is "$(json .user.bio)" "Lighthouses, mostly." "  ... the bio changed once"
req GET "/u/nobody_by_this_name_42"
is "$STATUS" 404 "the profile of nobody: 404"
req GET "/api/v1/users/nobody_by_this_name_42"
is "$STATUS" 404 "  ... over the API too"
api GET "/api/v1/users/$an/posts"
is "$STATUS" 200 "GET /api/v1/users/NAME/posts answers 200"
is "$(jsonc '[.items[].id]')" "[$p]" "  ... with the person's posts"
is "$(json '.items[0].reason')" "by @$an" "  ... and their reason"

# --- notifications ----------------------------------------------------------------------
new_user "$(uniq_name nia)"
N=$TOKEN nn="$(json .user.username)"
upload "$(image png 80 80 21)" "an orange fox in the snow"
pn="$(json .post.id)"
api PUT "/api/v1/posts/$pn/like"
api POST "/api/v1/posts/$pn/comments" '{"text":"my own fox"}'
api POST "/api/v1/posts/$pn/remix" '{"prompt":"a red fox in the snow","width":256,"height":256}'
g0="$(json .generation.id)"
gen_wait "$g0"
api POST "/api/v1/generations/$g0/publish" '{}'
is "$STATUS" 201 "nia remixes her own fox"
api GET /api/v1/notifications
is "$STATUS" 200 "GET /api/v1/notifications answers 200"
is "$(jsonc '[(.items | length), .unread]')" "[0,0]" "  ... nothing for one's own like, comment and remix"

new_user "$(uniq_name max)"
M=$TOKEN mn="$(json .user.username)"
api PUT "/api/v1/posts/$pn/like"
api DELETE "/api/v1/posts/$pn/like"
api PUT "/api/v1/posts/$pn/like"
api POST "/api/v1/posts/$pn/comments" '{"text":"what a <i>fox</i>"}'
api PUT "/api/v1/users/$nn/follow"
api POST "/api/v1/posts/$pn/remix" '{"prompt":"a blue fox in the snow","width":256,"height":256}'
is "$STATUS" 202 "max remixes nia's fox"
g1="$(json .generation.id)"
gen_wait "$g1"
api POST "/api/v1/generations/$g1/publish" '{}'
is "$STATUS" 201 "  ... and publishes the remix"
TOKEN=$N
api GET /api/v1/notifications
is "$(jsonc '[.items[].kind]')" '["remix","follow","comment","like"]' \
	"nia is told of the like (once, though liked twice), comment, follow and remix, newest first"
is "$(json .unread)" 4 "  ... 4 unread"
is "$(jsonc '[.items[].actor] | unique')" "[\"$mn\"]" "  ... all by max"
is "$(jsonc '[.items[].unread] | unique')" "[true]" "  ... all unread"
is "$(json '.items[] | select(.kind == "comment") | .comment')" 'what a <i>fox</i>' "  ... the comment's text"
is "$(json '.items[] | select(.kind == "like") | .url')" "/p/$pn" "  ... the like links the post"
is "$(json '.items[] | select(.kind == "follow") | .url')" "/u/$mn" "  ... the follow links the follower"
like "$(json '.items[] | select(.kind == "like") | .thumb.jpeg')" '^/media/' "  ... with a thumbnail"
api GET /api/v1/notifications?cursor=abc
is "$STATUS" 400 "a bad notifications cursor: 400"
req GET /api/v1/notifications
is "$STATUS" 401 "anonymous: 401"
req GET /notifications
is "$STATUS $(rawheader location)" "303 /login?next=%2Fnotifications" "the page sends anonymous people to log in"

jarN="$TMP/jarN"
login_jar "$nn" "$jarN"
csrfN=$JAR_CSRF
req GET / -b "$jarN"
like "$BODY" '<span class="badge">4</span><span class="visually-hidden"> unread</span></a>' \
	"the header shows 4 unread (said in words to a screen reader)"
unlike "$BODY" '<span[^>]* aria-label=' "  ... with no aria-label on a span (invalid without a role)"
req GET /notifications -b "$jarN"
is "$STATUS" 200 "the notifications page answers"
for t in "liked your post" "commented on your post" "followed you" "remixed your post"; do
	like "$BODY" "$t" "  ... says \"$t\""
done
like "$BODY" "what a &lt;i&gt;fox&lt;/i&gt;" "  ... with the comment escaped"
is "$(grep -c 'class="notice unread"' <<<"$BODY")" 4 "  ... the 4 new ones marked new on this view"
unlike "$BODY" 'class="badge">[0-9]+</span>' "  ... and the header's badge is gone: opening the page read them"
unlike "$BODY" 'action="/notifications/read"' "  ... so there is nothing left to mark read"
api GET /api/v1/notifications
is "$(jsonc '[.unread, ([.items[].unread] | unique)]')" "[0,[false]]" "  ... the API says so too"
req GET / -b "$jarN"
unlike "$BODY" 'class="badge"' "  ... and so does the header of the next page"
api POST /api/v1/notifications/read '{"up_to":"x"}'
is "$STATUS/$(json .error.code)" 400/bad_up_to "mark read with a bad up_to: 400"
for big in 9223372036854775808 18446744073709551616 1e300 -1; do
	api POST /api/v1/notifications/read "{\"up_to\":$big}"
	is "$STATUS/$(json .error.code)" 400/bad_up_to "mark read with up_to $big (past 2^63-1): 400"
done
api POST /api/v1/reports '{"target_type":"post","target_id":9223372036854775808,"reason":"spam"}'
is "$STATUS" 400 "a report of post 2^63: 400, not a 404 of a negative id"
api POST /api/v1/notifications/read
is "$STATUS" 200 "POST /api/v1/notifications/read answers 200"
is "$(json .unread)" 0 "  ... unread 0"
api GET /api/v1/notifications
is "$(jsonc '[.unread, ([.items[].unread] | unique)]')" "[0,[false]]" "  ... every notice is read"
req GET / -b "$jarN"
unlike "$BODY" 'class="badge"' "  ... and the header badge is gone"
TOKEN=$C
api PUT "/api/v1/posts/$pn/like"
TOKEN=$N
api GET /api/v1/notifications
is "$(json .unread)" 1 "a new like: 1 unread"
req POST /notifications/read -b "$jarN" --data-urlencode "csrf=$csrfN"
is "$STATUS $(header location)" "303 /notifications" "the mark-read form (no JS) answers 303"
api GET /api/v1/notifications
is "$(json .unread)" 0 "  ... and marks it read"
TOKEN=$M
api GET /api/v1/notifications
is "$(jsonc '[.items[].kind]')" '[]' "max, who did it all, is told nothing"
# deleting the comment takes its notice with it
TOKEN=$N
api GET /api/v1/notifications
before="$(json '.items | length')"
TOKEN=$M
api GET "/api/v1/posts/$pn/comments"
mc="$(json ".items[] | select(.author.username == \"$mn\") | .id")"
api DELETE "/api/v1/comments/$mc"
TOKEN=$N
api GET /api/v1/notifications
is "$(json '.items | length')" "$((before - 1))" "a deleted comment's notice goes too"
is "$(json '[.items[] | select(.kind == "comment")] | length')" 0 "  ... no comment notice left"

# A reply tells the comment's author it is a reply (the post's author is
# told of a comment on their post, as before).
new_user "$(uniq_name ora)"
O=$TOKEN on="$(json .user.username)"
api POST "/api/v1/posts/$pn/comments" '{"text":"foxes are the best"}'
oc="$(json .comment.id)"
TOKEN=$N
api GET /api/v1/notifications
api POST /api/v1/notifications/read
api POST "/api/v1/posts/$pn/comments" "{\"text\":\"thank you\",\"parent_id\":$oc}"
is "$STATUS" 201 "nia replies to ora's comment on nia's own post"
TOKEN=$O
api GET /api/v1/notifications
is "$(jsonc '[.items[] | [.kind, .actor, .text, .comment]]')" \
	"[[\"reply\",\"$nn\",\"replied to your comment\",\"thank you\"]]" \
	"  ... ora is told nia replied to her comment (not \"commented on your post\")"
TOKEN=$M
api POST "/api/v1/posts/$pn/comments" "{\"text\":\"agreed\",\"parent_id\":$oc}"
is "$STATUS" 201 "max replies to ora's comment too"
TOKEN=$O
api GET /api/v1/notifications
is "$(jsonc '[.items[0] | .kind, .actor, .text]')" "[\"reply\",\"$mn\",\"replied to your comment\"]" \
	"  ... ora: max replied to your comment"
TOKEN=$N
api GET /api/v1/notifications
is "$(jsonc '[.items[0] | .kind, .actor, .text]')" "[\"comment\",\"$mn\",\"commented on your post\"]" \
	"  ... nia, whose post it is: max commented on your post"
jarO="$TMP/jarO"
login_jar "$on" "$jarO"
req GET /notifications -b "$jarO"
like "$BODY" "@$mn</a> <a href=\"/p/$pn\">replied to your comment</a>: “agreed”" "  ... the page says it is a reply"
unlike "$BODY" "commented on your post" "  ... and never that ora's comment was her post"
# On one's own post too: nia comments on her post, max answers her comment.
TOKEN=$N
api POST "/api/v1/posts/$pn/comments" '{"text":"my own note"}'
nc="$(json .comment.id)"
api POST /api/v1/notifications/read
TOKEN=$M
api POST "/api/v1/posts/$pn/comments" "{\"text\":\"nice note\",\"parent_id\":$nc}"
is "$STATUS" 201 "max replies to nia's comment on nia's own post"
TOKEN=$N
api GET /api/v1/notifications
is "$(jsonc '[.items[] | select(.unread) | [.kind, .actor, .text]]')" \
	"[[\"reply\",\"$mn\",\"replied to your comment\"]]" \
	"  ... nia is told once, that max replied to her comment (not \"commented on your post\")"
done_testing

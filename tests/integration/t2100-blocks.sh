#!/usr/bin/env bash
# t2100-blocks.sh - blocking a person works both ways: each leaves the other's
# feeds, the blocked person's actions leave the blocker's notifications and
# comments, neither can follow, like, comment on, remix or reply to the
# other (403 blocked), follows either way are removed; unblocking restores
# the feeds; /api/v1/me/filters and the profile say who is blocked.
source "$(dirname "$0")/lib.sh"

feed_has() { # feed_has TOKEN QUERY POST: "yes" or "no"
	req GET "/api/v1/feed?$2" -H "Authorization: Bearer $1"
	[[ "$(json "[.items[].id] | index($3)")" != null ]] && echo yes || echo no
}
as() { # as TOKEN METHOD PATH [JSON]
	local tok=$1 method=$2 path=$3
	if (($# > 3)); then
		req "$method" "$path" -H "Authorization: Bearer $tok" \
			-H 'Content-Type: application/json' --data "$4"
	else
		req "$method" "$path" -H "Authorization: Bearer $tok"
	fi
}

tag="blocktag$RANDOM"
new_user "$(uniq_name ann)"
ann=$TOKEN
ann_name="$(json .user.username)"
upload "$(image png 80 80 71)" "ann's lighthouse" -F "tags=$tag"
ann_post=$(json .post.id)
new_user "$(uniq_name bob)"
bob=$TOKEN
bob_name="$(json .user.username)"
upload "$(image png 80 80 72)" "bob's harbour" -F "tags=$tag"
bob_post=$(json .post.id)
new_user "$(uniq_name cat)"
cat=$TOKEN
upload "$(image png 80 80 73)" "cat's boat"
cat_post=$(json .post.id)

# Before: they follow each other, bob likes and comments on ann's post, and
# both talk under cat's post.
as "$ann" PUT "/api/v1/users/$bob_name/follow"
as "$bob" PUT "/api/v1/users/$ann_name/follow"
as "$bob" PUT "/api/v1/posts/$ann_post/like"
as "$bob" POST "/api/v1/posts/$ann_post/comments" '{"text":"nice light, ann"}'
as "$bob" POST "/api/v1/posts/$cat_post/comments" '{"text":"bob was here"}'
bob_comment=$(json .comment.id)
as "$ann" POST "/api/v1/posts/$cat_post/comments" '{"text":"ann was here"}'
ann_comment=$(json .comment.id)
as "$ann" GET "/api/v1/users/$ann_name"
is "$(json '[.user.follower_count, .user.following_count] | join("/")')" 1/1 "before: ann follows and is followed"
is "$(feed_has "$ann" kind=latest "$bob_post")" yes "before: ann sees bob's post"
is "$(feed_has "$bob" kind=latest "$ann_post")" yes "before: bob sees ann's post"
as "$ann" GET /api/v1/notifications
is "$(json "[.items[] | select(.actor == \"$bob_name\")] | length")" 3 "before: ann is told of bob's like, comment and follow"

# Refusals.
req PUT "/api/v1/users/$bob_name/block"
is "$STATUS" 401 "blocking anonymously: 401"
as "$ann" PUT "/api/v1/users/$ann_name/block"
is "$STATUS/$(json .error.code)" 400/self_block "blocking oneself: 400"
as "$ann" PUT "/api/v1/users/nobody$RANDOM$RANDOM/block"
is "$STATUS" 404 "blocking nobody: 404"

# Block.
as "$ann" PUT "/api/v1/users/$bob_name/block"
is "$STATUS" 200 "block: 200"
is "$(jsonc '[.blocked, .changed, .unfollowed]')" '[true,true,true]' "... blocked, changed, follows removed"
as "$ann" PUT "/api/v1/users/$bob_name/block"
is "$(jsonc '[.blocked, .changed]')" '[true,false]' "blocking twice changes nothing"

as "$ann" GET "/api/v1/users/$ann_name"
is "$(json '[.user.follower_count, .user.following_count] | join("/")')" 0/0 "the follows either way are gone (ann's counts)"
as "$ann" GET "/api/v1/users/$bob_name"
is "$(jsonc '[.user.follower_count, .user.following_count, .user.followed_by_me, .user.blocked_by_me]')" \
	'[0,0,false,true]' "... bob's counts too, and the profile says blocked"
is "$(sql "SELECT COUNT(*) FROM follows f JOIN users a ON a.id = f.follower_id JOIN users b ON b.id = f.followee_id
	WHERE (a.username = '$ann_name' AND b.username = '$bob_name') OR (a.username = '$bob_name' AND b.username = '$ann_name')")" \
	0 "no follow rows left between them"

# Feeds, both ways.
is "$(feed_has "$ann" kind=latest "$bob_post")" no "ann no longer sees bob's post (latest)"
as "$ann" GET "/api/v1/tags/$tag/posts"
is "$(json "[.items[].id] | index($bob_post)")" null "... nor in the tag feed"
is "$(feed_has "$bob" kind=latest "$ann_post")" no "bob no longer sees ann's post (latest)"
as "$bob" GET "/api/v1/users/$ann_name/posts"
is "$(json '.items | length')" 0 "... nor on her profile"
as "$bob" GET "/api/v1/feed?kind=foryou"
is "$(json "[.items[] | select(.author.username == \"$ann_name\")] | length")" 0 "... nor in for you"
is "$(feed_has "$cat" kind=latest "$bob_post")" yes "cat still sees bob's post"
is "$(feed_has "$cat" kind=latest "$ann_post")" yes "... and ann's"

# Notifications and comments.
as "$ann" GET /api/v1/notifications
is "$(json "[.items[] | select(.actor == \"$bob_name\")] | length")" 0 "ann's notifications from bob are gone"
as "$ann" GET "/api/v1/posts/$cat_post/comments"
is "$(json "[.items[].id] | index($bob_comment)")" null "bob's comment under cat's post is hidden from ann"
is "$(json "[.items[].id] | index($ann_comment) != null")" true "... her own is there"
as "$cat" GET "/api/v1/posts/$cat_post/comments"
is "$(json '.items | length')" 2 "cat sees both comments"

# Interactions are refused, with a reason, both ways.
as "$bob" PUT "/api/v1/posts/$ann_post/like"
is "$STATUS/$(json .error.code)" 403/blocked "bob cannot like ann's post"
like "$(json .error.message)" "has blocked you" "... and is told why"
as "$bob" POST "/api/v1/posts/$ann_post/comments" '{"text":"let me in"}'
is "$STATUS/$(json .error.code)" 403/blocked "bob cannot comment on ann's post"
as "$bob" POST "/api/v1/posts/$cat_post/comments" "{\"text\":\"@ann hello\",\"parent_id\":$ann_comment}"
is "$STATUS/$(json .error.code)" 403/blocked "bob cannot reply to ann under cat's post"
as "$bob" POST "/api/v1/posts/$cat_post/comments" '{"text":"still fine here"}'
is "$STATUS" 201 "bob may still comment on cat's post"
as "$bob" PUT "/api/v1/users/$ann_name/follow"
is "$STATUS/$(json .error.code)" 403/blocked "bob cannot follow ann"
as "$bob" POST "/api/v1/posts/$ann_post/remix" '{"prompt":"my version"}'
is "$STATUS/$(json .error.code)" 403/blocked "bob cannot remix ann's post"
as "$ann" PUT "/api/v1/posts/$bob_post/like"
is "$STATUS/$(json .error.code)" 403/blocked "ann cannot like bob's post either"
like "$(json .error.message)" "You have blocked" "... she is told she blocked him"
as "$ann" PUT "/api/v1/users/$bob_name/follow"
is "$STATUS" 403 "... nor follow him"
as "$bob" DELETE "/api/v1/posts/$ann_post/like"
is "$STATUS" 200 "taking back an old like is allowed"

# The filters API lists the block.
as "$ann" GET /api/v1/me/filters
is "$(jsonc .blocked_users)" "[\"$bob_name\"]" "GET /api/v1/me/filters lists bob as blocked"
as "$bob" GET /api/v1/me/filters
is "$(jsonc .blocked_users)" '[]' "... not the other way round"

# The page: the profile offers Unblock, the form unblocks.
jar="$TMP/jar"
login_jar "$ann_name" "$jar"
req GET "/u/$bob_name" -b "$jar"
like "$BODY" '>Unblock</button>' "the profile page offers Unblock"
req GET /settings/filters -b "$jar"
like "$BODY" "action=\"/u/$bob_name/block\"" "the filters page lists bob with an Unblock button"
req POST "/u/$bob_name/block" -b "$jar" --data-urlencode "csrf=bad" --data-urlencode "block=0"
is "$STATUS" 403 "the block form needs the CSRF token"
req POST "/u/$bob_name/block" -b "$jar" --data-urlencode "csrf=$JAR_CSRF" --data-urlencode "block=0" \
	--data-urlencode "next=/settings/filters"
is "$STATUS $(header location)" "303 /settings/filters" "the unblock form answers 303 back"

# Unblocked: everything is back (follows stay gone).
is "$(feed_has "$ann" kind=latest "$bob_post")" yes "unblocked: ann sees bob's post again"
is "$(feed_has "$bob" kind=latest "$ann_post")" yes "... and bob ann's"
as "$bob" PUT "/api/v1/posts/$ann_post/like"
is "$STATUS" 200 "bob can like ann's post again"
as "$ann" GET /api/v1/notifications
is "$(json "[.items[] | select(.actor == \"$bob_name\")] | length")" 3 "ann's notifications from bob show again"
as "$ann" GET "/api/v1/users/$bob_name"
is "$(jsonc '[.user.blocked_by_me, .user.followed_by_me]')" '[false,false]' "not blocked, and not followed again by itself"
req GET "/u/$bob_name" -b "$jar"
like "$BODY" '>Block</button>' "the profile page offers Block again"
done_testing

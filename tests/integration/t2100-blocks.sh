#!/usr/bin/env bash
# t2100-blocks.sh - blocking a person works both ways: each leaves the other's
# feeds, the blocked person's actions leave the blocker's notifications and
# comments, neither can follow, like, comment on, remix or reply to the
# other (403 blocked), follows either way are removed; unblocking restores
# the feeds; /api/v1/me/filters and the profile say who is blocked.
source "$(dirname "$0")/lib.sh"


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
call PUT "/api/v1/users/$bob_name/follow" "$ann"
call PUT "/api/v1/users/$ann_name/follow" "$bob"
call PUT "/api/v1/posts/$ann_post/like" "$bob"
call POST "/api/v1/posts/$ann_post/comments" "$bob" '{"text":"nice light, ann"}'
call POST "/api/v1/posts/$cat_post/comments" "$bob" '{"text":"bob was here"}'
bob_comment=$(json .comment.id)
call POST "/api/v1/posts/$cat_post/comments" "$ann" '{"text":"ann was here"}'
ann_comment=$(json .comment.id)
call GET "/api/v1/users/$ann_name" "$ann"
is "$(json '[.user.follower_count, .user.following_count] | join("/")')" 1/1 "before: ann follows and is followed"
is "$(feed_has "$ann" kind=latest "$bob_post")" yes "before: ann sees bob's post"
is "$(feed_has "$bob" kind=latest "$ann_post")" yes "before: bob sees ann's post"
call GET /api/v1/notifications "$ann"
is "$(json "[.items[] | select(.actor == \"$bob_name\")] | length")" 3 "before: ann is told of bob's like, comment and follow"

# Refusals.
req PUT "/api/v1/users/$bob_name/block"
is "$STATUS" 401 "blocking anonymously: 401"
call PUT "/api/v1/users/$ann_name/block" "$ann"
is "$STATUS/$(json .error.code)" 400/self_block "blocking oneself: 400"
call PUT "/api/v1/users/nobody$RANDOM$RANDOM/block" "$ann"
is "$STATUS" 404 "blocking nobody: 404"

# Block.
call PUT "/api/v1/users/$bob_name/block" "$ann"
is "$STATUS" 200 "block: 200"
is "$(jsonc '[.blocked, .changed, .unfollowed]')" '[true,true,true]' "... blocked, changed, follows removed"
call PUT "/api/v1/users/$bob_name/block" "$ann"
is "$(jsonc '[.blocked, .changed]')" '[true,false]' "blocking twice changes nothing"

call GET "/api/v1/users/$ann_name" "$ann"
is "$(json '[.user.follower_count, .user.following_count] | join("/")')" 0/0 "the follows either way are gone (ann's counts)"
call GET "/api/v1/users/$bob_name" "$ann"
is "$(jsonc '[.user.follower_count, .user.following_count, .user.followed_by_me, .user.blocked_by_me]')" \
	'[0,0,false,true]' "... bob's counts too, and the profile says blocked"
is "$(sql "SELECT COUNT(*) FROM follows f JOIN users a ON a.id = f.follower_id JOIN users b ON b.id = f.followee_id
	WHERE (a.username = '$ann_name' AND b.username = '$bob_name') OR (a.username = '$bob_name' AND b.username = '$ann_name')")" \
	0 "no follow rows left between them"

# Feeds, both ways.
is "$(feed_has "$ann" kind=latest "$bob_post")" no "ann no longer sees bob's post (latest)"
call GET "/api/v1/tags/$tag/posts" "$ann"
is "$(json "[.items[].id] | index($bob_post)")" null "... nor in the tag feed"
is "$(feed_has "$bob" kind=latest "$ann_post")" no "bob no longer sees ann's post (latest)"
call GET "/api/v1/users/$ann_name/posts" "$bob"
is "$(json '.items | length')" 0 "... nor on her profile"
call GET "/api/v1/feed?kind=foryou" "$bob"
is "$(json "[.items[] | select(.author.username == \"$ann_name\")] | length")" 0 "... nor in for you"
is "$(feed_has "$cat" kind=latest "$bob_post")" yes "cat still sees bob's post"
is "$(feed_has "$cat" kind=latest "$ann_post")" yes "... and ann's"

# Notifications and comments.
call GET /api/v1/notifications "$ann"
is "$(json "[.items[] | select(.actor == \"$bob_name\")] | length")" 0 "ann's notifications from bob are gone"
call GET "/api/v1/posts/$cat_post/comments" "$ann"
is "$(json "[.items[].id] | index($bob_comment)")" null "bob's comment under cat's post is hidden from ann"
is "$(json "[.items[].id] | index($ann_comment) != null")" true "... her own is there"
call GET "/api/v1/posts/$cat_post/comments" "$cat"
is "$(json '.items | length')" 2 "cat sees both comments"

# Interactions are refused, with a reason, both ways.
call PUT "/api/v1/posts/$ann_post/like" "$bob"
is "$STATUS/$(json .error.code)" 403/blocked "bob cannot like ann's post"
like "$(json .error.message)" "has blocked you" "... and is told why"
call POST "/api/v1/posts/$ann_post/comments" "$bob" '{"text":"let me in"}'
is "$STATUS/$(json .error.code)" 403/blocked "bob cannot comment on ann's post"
call POST "/api/v1/posts/$cat_post/comments" "$bob" "{\"text\":\"@ann hello\",\"parent_id\":$ann_comment}"
is "$STATUS/$(json .error.code)" 403/blocked "bob cannot reply to ann under cat's post"
call POST "/api/v1/posts/$cat_post/comments" "$bob" '{"text":"still fine here"}'
is "$STATUS" 201 "bob may still comment on cat's post"
call PUT "/api/v1/users/$ann_name/follow" "$bob"
is "$STATUS/$(json .error.code)" 403/blocked "bob cannot follow ann"
call POST "/api/v1/posts/$ann_post/remix" "$bob" '{"prompt":"my version"}'
is "$STATUS/$(json .error.code)" 403/blocked "bob cannot remix ann's post"
call PUT "/api/v1/posts/$bob_post/like" "$ann"
is "$STATUS/$(json .error.code)" 403/blocked "ann cannot like bob's post either"
like "$(json .error.message)" "You have blocked" "... she is told she blocked him"
call PUT "/api/v1/users/$bob_name/follow" "$ann"
is "$STATUS" 403 "... nor follow him"
call DELETE "/api/v1/posts/$ann_post/like" "$bob"
is "$STATUS" 200 "taking back an old like is allowed"

# The filters API lists the block.
call GET /api/v1/me/filters "$ann"
is "$(jsonc .blocked_users)" "[\"$bob_name\"]" "GET /api/v1/me/filters lists bob as blocked"
call GET /api/v1/me/filters "$bob"
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
call PUT "/api/v1/posts/$ann_post/like" "$bob"
is "$STATUS" 200 "bob can like ann's post again"
call GET /api/v1/notifications "$ann"
is "$(json "[.items[] | select(.actor == \"$bob_name\")] | length")" 3 "ann's notifications from bob show again"
call GET "/api/v1/users/$bob_name" "$ann"
is "$(jsonc '[.user.blocked_by_me, .user.followed_by_me]')" '[false,false]' "not blocked, and not followed again by itself"
req GET "/u/$bob_name" -b "$jar"
like "$BODY" '>Block</button>' "the profile page offers Block again"
done_testing

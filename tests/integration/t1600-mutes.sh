#!/usr/bin/env bash
# t1600-mutes.sh - muting a person: their posts leave the muter's feeds
# (latest, following, tag, for you) and their likes and comments leave the
# muter's notifications, for that person only; unmuting brings them back.
source "$(dirname "$0")/lib.sh"


tag="mutetag$RANDOM"
new_user "$(uniq_name loud)"
loud=$TOKEN
loud_name="$(json .user.username)"
upload "$(image png 80 80 61)" "a loud post" -F "tags=$tag"
post=$(json .post.id)
new_user "$(uniq_name quiet)"
quiet=$TOKEN
quiet_name="$(json .user.username)"
upload "$(image png 80 80 62)" "a quiet post"
quiet_post=$(json .post.id)
new_user "$(uniq_name other)"
other=$TOKEN

req PUT "/api/v1/users/$loud_name/follow" -H "Authorization: Bearer $quiet"
is "$(feed_has "$quiet" kind=latest "$post")" yes "before: the post is in the latest feed"
is "$(feed_has "$quiet" kind=following "$post")" yes "before: and in the following feed"

req PUT "/api/v1/users/$loud_name/mute"
is "$STATUS" 401 "muting anonymously: 401"
req PUT "/api/v1/users/$quiet_name/mute" -H "Authorization: Bearer $quiet"
is "$STATUS" 400 "muting oneself: 400"
req PUT "/api/v1/users/nobody$RANDOM$RANDOM/mute" -H "Authorization: Bearer $quiet"
is "$STATUS" 404 "muting nobody: 404"
req PUT "/api/v1/users/$loud_name/mute" -H "Authorization: Bearer $quiet"
is "$STATUS" 200 "mute: 200"
is "$(json .muted)" true "... muted"
req PUT "/api/v1/users/$loud_name/mute" -H "Authorization: Bearer $quiet"
is "$(json .changed)" false "muting twice changes nothing"

is "$(feed_has "$quiet" kind=latest "$post")" no "after: gone from the latest feed"
is "$(feed_has "$quiet" kind=following "$post")" no "after: gone from the following feed"
req GET "/api/v1/tags/$tag/posts" -H "Authorization: Bearer $quiet"
is "$(json "[.items[].id] | index($post)")" null "after: gone from the tag feed"
req GET "/api/v1/feed?kind=foryou" -H "Authorization: Bearer $quiet"
is "$(json "[.items[] | select(.author.username == \"$loud_name\")] | length")" 0 \
	"after: never in the for-you feed"
is "$(feed_has "$other" kind=latest "$post")" yes "someone else still sees the post"
req GET "/api/v1/users/$loud_name" -H "Authorization: Bearer $quiet"
is "$(json .user.muted_by_me)" true "the profile says muted"

# Their actions leave my notifications.
req PUT "/api/v1/posts/$quiet_post/like" -H "Authorization: Bearer $loud"
req POST "/api/v1/posts/$quiet_post/comments" -H "Authorization: Bearer $loud" \
	-H 'Content-Type: application/json' --data '{"text":"hello from the loud one"}'
req PUT "/api/v1/posts/$quiet_post/like" -H "Authorization: Bearer $other"
req GET /api/v1/notifications -H "Authorization: Bearer $quiet"
is "$(json "[.items[] | select(.actor == \"$loud_name\")] | length")" 0 \
	"no notifications from the muted person"
is "$(json '[.items[] | select(.kind == "like")] | length')" 1 "others' notifications still come"
is "$(json .unread)" 1 "the unread count leaves them out too"

# Unmute: everything is back.
req DELETE "/api/v1/users/$loud_name/mute" -H "Authorization: Bearer $quiet"
is "$STATUS" 200 "unmute: 200"
is "$(feed_has "$quiet" kind=latest "$post")" yes "unmuted: back in the latest feed"
req GET /api/v1/notifications -H "Authorization: Bearer $quiet"
is "$(json "[.items[] | select(.actor == \"$loud_name\")] | length")" 2 "unmuted: their notifications show again"

# The page form.
jar="$TMP/jar"
login_jar "$quiet_name" "$jar"
req POST "/u/$loud_name/mute" -b "$jar" --data-urlencode "csrf=$JAR_CSRF" --data-urlencode "mute=1"
is "$STATUS" 303 "the profile's mute form answers 303"
req GET "/u/$loud_name" -b "$jar"
like "$BODY" '>Unmute</button>' "the profile then offers Unmute"
req POST "/u/$loud_name/mute" -b "$jar" --data-urlencode "csrf=bad" --data-urlencode "mute=0"
is "$STATUS" 403 "without the CSRF token: 403"
done_testing

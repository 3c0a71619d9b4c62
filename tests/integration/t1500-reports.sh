#!/usr/bin/env bash
# t1500-reports.sh - anyone logged in reports a post, a comment or a person
# with a reason and a note (once each); bad reports get a clear 4xx; the
# moderation queue (moderators and admins only) groups open reports by
# target, oldest first, with every reason and note.
source "$(dirname "$0")/lib.sh"

report() { # report TOKEN JSON
	req POST /api/v1/reports -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
		--data "$2"
}

new_user "$(uniq_name author)"
author=$TOKEN
author_name="$(json .user.username)"
upload "$(image png 80 80 51)" "a post to report"
post=$(json .post.id)
req POST "/api/v1/posts/$post/comments" -H "Authorization: Bearer $author" \
	-H 'Content-Type: application/json' --data '{"text":"buy my followers"}'
comment=$(json .comment.id)
author_id=$(json .comment.author.id)

new_user "$(uniq_name reporter)"
r1=$TOKEN
new_user "$(uniq_name reporter)"
r2=$TOKEN

req POST /api/v1/reports -H 'Content-Type: application/json' \
	--data "{\"target_type\":\"post\",\"target_id\":$post,\"reason\":\"spam\"}"
is "$STATUS" 401 "anonymous reports: 401"
report "$r1" "{\"target_type\":\"photo\",\"target_id\":$post,\"reason\":\"spam\"}"
is "$STATUS" 400 "an unknown target type: 400"
report "$r1" "{\"target_type\":\"post\",\"reason\":\"spam\"}"
is "$STATUS" 400 "no target id: 400"
report "$r1" "{\"target_type\":\"post\",\"target_id\":$post,\"reason\":\"ugly\"}"
is "$STATUS" 400 "an unknown reason: 400"
is "$(json .error.code)" bad_reason "... code bad_reason"
long="$(head -c 1001 /dev/zero | tr '\0' 'n')"
report "$r1" "{\"target_type\":\"post\",\"target_id\":$post,\"reason\":\"spam\",\"note\":\"$long\"}"
is "$STATUS" 400 "a note over 1000 characters: 400"
report "$r1" "{\"target_type\":\"post\",\"target_id\":999999999,\"reason\":\"spam\"}"
is "$STATUS" 404 "an unknown post: 404"
report "$author" "{\"target_type\":\"post\",\"target_id\":$post,\"reason\":\"spam\"}"
is "$STATUS" 400 "reporting one's own post: 400"

report "$r1" "{\"target_type\":\"post\",\"target_id\":$post,\"reason\":\"spam\",\"note\":\"<b>bot</b> account\"}"
is "$STATUS" 201 "a report is taken: 201"
is "$(json .report.reason)" spam "... with its reason"
report "$r1" "{\"target_type\":\"post\",\"target_id\":$post,\"reason\":\"other\"}"
is "$STATUS" 409 "reporting the same post twice: 409"
report "$r2" "{\"target_type\":\"post\",\"target_id\":\"$post\",\"reason\":\"harassment\"}"
is "$STATUS" 201 "a second person reports the post"
report "$r1" "{\"target_type\":\"comment\",\"target_id\":$comment,\"reason\":\"spam\"}"
is "$STATUS" 201 "a comment can be reported"
report "$r2" "{\"target_type\":\"user\",\"target_id\":$author_id,\"reason\":\"spam\",\"note\":\"spams\"}"
is "$STATUS" 201 "a person can be reported"
before=$(sql "SELECT COUNT(*) FROM reports")

# --- the queue -----------------------------------------------------------------
req GET /api/v1/admin/queue
is "$STATUS" 401 "the queue, anonymous: 401"
req GET /api/v1/admin/queue -H "Authorization: Bearer $r1"
is "$STATUS" 403 "the queue, a plain user: 403"
req GET /admin -H "Authorization: Bearer $r1"
is "$STATUS" 403 "the queue page, a plain user: 403"
admin=$(admin_token)
req GET /api/v1/admin/queue -H "Authorization: Bearer $admin"
is "$STATUS" 200 "the admin reads the queue"
item=".items[] | select(.target_type == \"post\" and .target_id == $post)"
is "$(json "$item | .reports")" 2 "two reports of the post are one item"
is "$(json "[$item | .reasons[]] | sort | join(\",\")")" "harassment,spam" "... with both reasons"
is "$(json "$item | .url")" "/p/$post" "... and a link to it"
is "$(json "[$item | .notes[].note] | join(\"|\")")" "<b>bot</b> account|" "... and the notes as written"
is "$(json "[.items[] | select(.target_type == \"user\" and .target_id == $author_id)] | length")" 1 \
	"the reported person is in the queue"
is "$(json "[.items[] | select(.target_type == \"user\" and .target_id == $author_id) | .url][0]")" \
	"/u/$author_name" "... linked to the profile"
curl_item=".items[] | select(.target_type == \"comment\" and .target_id == $comment)"
comment_url="$(json "[$curl_item | .url][0]")"
like "$comment_url" "^/p/[0-9]+#comment-$comment\$" "the reported comment links to its anchor on the post page"
req GET "${comment_url%%#*}"
like "$BODY" "id=\"${comment_url#*#}\"" "... and the post page has that anchor"
firsts="$(json '[.items[].first_reported_at] | join(" ")')"
is "$firsts" "$(tr ' ' '\n' <<<"$firsts" | sort | tr '\n' ' ' | sed 's/ $//')" "oldest first"
req GET /admin -H "Authorization: Bearer $admin"
is "$STATUS" 200 "the queue page answers for the admin"
like "$BODY" "&lt;b&gt;bot&lt;/b&gt; account" "... with notes escaped"

# --- the page form ---------------------------------------------------------------
jar="$TMP/jar"
name="$(uniq_name formrep)"
new_user "$name"
login_jar "$name" "$jar"
req GET "/p/$post" -b "$jar"
like "$BODY" 'action="/report"' "a logged-in post page has a report form"
req POST /report -b "$jar" --data-urlencode "csrf=$JAR_CSRF" --data-urlencode "target_type=post" \
	--data-urlencode "target_id=$post" --data-urlencode "reason=violence"
is "$STATUS" 303 "the form reports and goes back: 303"
req POST /report -b "$jar" --data-urlencode "csrf=nope" --data-urlencode "target_type=post" \
	--data-urlencode "target_id=$post" --data-urlencode "reason=spam"
is "$STATUS" 403 "without the CSRF token: 403"
is "$(sql "SELECT COUNT(*) FROM reports")" "$((before + 1))" "exactly one more report was stored"
done_testing

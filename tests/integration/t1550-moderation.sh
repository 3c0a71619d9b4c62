#!/usr/bin/env bash
# t1550-moderation.sh - moderators' actions and what the author, other people
# and anonymous visitors see after each: hide, restore, remove, warn, suspend,
# ban (and lifting them), bulk actions, appeals, roles, the append-only audit
# log, and the page forms.
source "$(dirname "$0")/lib.sh"
seed=$((RANDOM * 7 + 100000)) # fresh pictures on every run: removing one blocks its hash

act() { # act TOKEN TYPE ID ACTION REASON [extra json]
	call POST /api/v1/admin/actions "$1" \
		"{\"target_type\":\"$2\",\"target_id\":$3,\"action\":\"$4\",\"reason\":\"$5\"${6:+,$6}}"
}
anon_status() { http_code "/api/v1/posts/$1?v=$RANDOM$RANDOM"; }

admin=$(admin_token)

author_name="$(uniq_name author)"
new_user "$author_name"
author=$TOKEN
author_id=$(sql "SELECT id FROM users WHERE username = '$author_name'")
TOKEN=$author
upload "$(image png 64 64 $((seed + 51)))" "a perfectly fine lighthouse"
post=$(json .post.id)
upload "$(image png 64 64 $((seed + 52)))" "a second post"
post2=$(json .post.id)
new_user "$(uniq_name viewer)"
viewer=$TOKEN
new_user "$(uniq_name reporter)"
reporter=$TOKEN
mod_name="$(uniq_name mod)"
new_user "$mod_name"
mod=$TOKEN

# --- roles: only an admin makes a moderator --------------------------------------
call PATCH "/api/v1/admin/users/$mod_name" "$viewer" '{"role":"moderator","reason":"x"}'
is "$STATUS" 403 "a plain user cannot change roles"
call PATCH "/api/v1/admin/users/$mod_name" "$admin" '{"role":"moderator"}'
is "$STATUS" 400 "a role change needs a reason"
call PATCH "/api/v1/admin/users/$mod_name" "$admin" '{"role":"wizard","reason":"x"}'
is "$STATUS" 400 "an unknown role: 400"
call PATCH "/api/v1/admin/users/$mod_name" "$admin" '{"role":"moderator","reason":"trusted helper"}'
is "$STATUS" 200 "the admin makes a moderator"
is "$(json .user.previous_role)" user "... from user"
is "$(sql "SELECT role FROM users WHERE username = '$mod_name'")" moderator "... stored"
call GET /api/v1/admin/queue "$mod"
is "$STATUS" 200 "the new moderator's existing session has the role at once"
call PATCH "/api/v1/admin/users/$author_name" "$mod" '{"role":"moderator","reason":"x"}'
is "$STATUS" 403 "a moderator cannot change roles"
call PATCH "/api/v1/admin/users/admin" "$admin" '{"role":"user","reason":"x"}'
is "$STATUS" 400 "an admin cannot change their own role"
is "$(sql "SELECT role FROM users WHERE username = '$author_name'")" user "... nothing changed"

# --- checks before anything happens -------------------------------------------------
call POST /api/v1/reports "$reporter" "{\"target_type\":\"post\",\"target_id\":$post,\"reason\":\"spam\"}"
is "$STATUS" 201 "the post is reported"
actions_before=$(sql "SELECT COUNT(*) FROM mod_actions")
req POST /api/v1/admin/actions -H 'Content-Type: application/json' \
	--data "{\"target_type\":\"post\",\"target_id\":$post,\"action\":\"hide\",\"reason\":\"x\"}"
is "$STATUS" 401 "acting anonymously: 401"
act "$viewer" post "$post" hide "x"
is "$STATUS" 403 "acting as a plain user: 403"
act "$mod" post "$post" explode "x"
is "$STATUS" 400 "an unknown action: 400"
is "$(json .error.code)" bad_action "... bad_action"
act "$mod" post "$post" hide ""
is "$STATUS" 400 "no reason: 400"
is "$(json .error.code)" missing_reason "... missing_reason"
act "$mod" post 999999999 hide "x"
is "$STATUS" 404 "an unknown post: 404"
act "$mod" user "$author_id" suspend "x" '"duration":"forever"'
is "$STATUS" 400 "a bad duration: 400"
act "$mod" user "$author_id" hide "x"
is "$STATUS" 400 "hiding a person (not content): 400"
act "$mod" user "$(sql "SELECT id FROM users WHERE username = 'admin'")" suspend "x" '"duration":"1h"'
is "$STATUS" 403 "a moderator cannot act on an admin"
is "$(sql "SELECT COUNT(*) FROM mod_actions")" "$actions_before" "no refused action was logged"
is "$(feed_has "$viewer" kind=latest "$post")" yes "the post is in the feed before"

# --- hide -------------------------------------------------------------------------------
act "$mod" post "$post" hide "Looks like spam to us"
is "$STATUS" 200 "the moderator hides the post"
hide_id=$(json .action.id)
is "$(json .action.subject)" "$author_name" "... about its author"
is "$(sql "SELECT mod_state FROM posts WHERE id = $post")" hidden "... stored"
is "$(feed_has "$viewer" kind=latest "$post")" no "a hidden post leaves other people's feeds"
is "$(anon_status "$post")" 404 "anonymous visitors get 404"
call GET "/api/v1/posts/$post" "$viewer"
is "$STATUS" 404 "other people get 404"
req GET "/api/v1/posts/$post/comments"
is "$STATUS" 404 "its comments are not shown to anonymous visitors either"
call GET "/api/v1/posts/$post/comments" "$viewer"
is "$STATUS" 404 "... nor to other people"
call GET "/api/v1/posts/$post/comments" "$author"
is "$STATUS" 200 "... but to the author"
call GET "/api/v1/posts/$post/comments" "$mod"
is "$STATUS" 200 "... and the moderators"
call PUT "/api/v1/posts/$post/like" "$viewer"
is "$STATUS" 404 "a hidden post cannot be liked"
call POST "/api/v1/posts/$post/remix" "$viewer" '{"prompt":"mine now"}'
is "$STATUS" 404 "... or remixed"
req GET "/api/v1/posts/$post/lineage?v=$RANDOM"
unlike "$BODY" "perfectly fine lighthouse" "... and its family tree does not show its prompt"
call GET "/api/v1/posts/$post" "$author"
is "$STATUS" 200 "the author still opens it"
is "$(json .post.moderation.state)" hidden "... marked hidden"
is "$(json .post.moderation.reason)" "Looks like spam to us" "... with the reason"
req GET "/p/$post" -H "Authorization: Bearer $author"
like "$BODY" "Looks like spam to us" "the author's post page says why"
call GET /api/v1/notifications "$author"
is "$(json '[.items[] | select(.kind == "moderation")][0].reason')" "Looks like spam to us" \
	"the author is told, with the reason"
is "$(json '[.items[] | select(.kind == "moderation")][0].actor')" moderators "... by 'the moderators', not by name"
is "$(sql "SELECT COUNT(*) FROM reports WHERE target_type = 'post' AND target_id = $post AND resolved_at IS NULL")" 0 \
	"the report is resolved"
is "$(sql "SELECT resolution FROM reports WHERE target_type = 'post' AND target_id = $post")" hide "... as hide"

call POST /api/v1/reports "$reporter" "{\"target_type\":\"post\",\"target_id\":$post,\"reason\":\"other\"}"
is "$STATUS" 404 "a hidden post cannot be reported (nothing left to decide)"
call GET /api/v1/me/actions "$author"
hide_appealable=$(json "[.items[] | select(.id == $hide_id)][0].can_appeal")
act "$mod" post "$post" restore "On a second look it is fine"
is "$STATUS" 200 "restore"
is "$(feed_has "$viewer" kind=latest "$post")" yes "a restored post is back in the feed"

# --- remove and appeal ---------------------------------------------------------------
act "$mod" post "$post" remove "Spam"
is "$STATUS" 200 "remove"
remove_id=$(json .action.id)
is "$(anon_status "$post")" 410 "a removed post: 410 for visitors"
req GET "/api/v1/posts/$post/comments"
is "$STATUS/$(json .error.code)" 410/removed "... and so are its comments"
is "$(feed_has "$viewer" kind=latest "$post")" no "... and gone from feeds"
call GET /api/v1/me/actions "$author"
is "$(json "[.items[] | select(.id == $remove_id)][0].can_appeal")" true "the author can appeal the removal"
call POST /api/v1/appeals "$viewer" "{\"action_id\":$remove_id,\"note\":\"not mine but\"}"
is "$STATUS" 404 "someone else cannot appeal it"
call POST /api/v1/appeals "$author" "{\"action_id\":$remove_id,\"note\":\"\"}"
is "$STATUS" 400 "an appeal needs a note"
call POST /api/v1/appeals "$author" "{\"action_id\":$remove_id,\"note\":\"It is my own <b>lighthouse</b> photo\"}"
is "$STATUS" 201 "the author appeals"
appeal=$(json .appeal.id)
call POST /api/v1/appeals "$author" "{\"action_id\":$remove_id,\"note\":\"again\"}"
is "$STATUS" 409 "only once"
call GET /api/v1/admin/queue "$mod"
is "$(json "[.appeals[] | select(.id == $appeal)][0].note")" "It is my own <b>lighthouse</b> photo" "the appeal is in the queue"
is "$(json "[.appeals[] | select(.id == $appeal)][0].decision.action")" remove "... with the decision"
req GET /admin -H "Authorization: Bearer $mod"
like "$BODY" "It is my own &lt;b&gt;lighthouse&lt;/b&gt; photo" "the queue page shows it escaped"
act "$mod" appeal "$appeal" overturn "You are right, sorry"
is "$STATUS" 200 "the moderator overturns"
is "$(sql "SELECT mod_state FROM posts WHERE id = $post")" visible "the post is back"
is "$(sql "SELECT decision FROM appeals WHERE id = $appeal")" overturned "the appeal is decided"
call GET /api/v1/admin/queue "$mod"
is "$(json "[.appeals[] | select(.id == $appeal)] | length")" 0 "... and leaves the queue"
act "$mod" appeal "$appeal" uphold "changed my mind"
is "$STATUS" 404 "a decided appeal cannot be decided again"

# An appeal against a decision a later one replaced cannot undo the later one.
TOKEN=$author
upload "$(image png 64 64 $((seed + 57)))" "appealed, then removed"
p3=$(json .post.id)
act "$mod" post "$p3" hide "Off topic"
h3=$(json .action.id)
call POST /api/v1/appeals "$author" "{\"action_id\":$h3,\"note\":\"it is on topic\"}"
a3=$(json .appeal.id)
act "$mod" post "$p3" remove "Actually it breaks the rules"
act "$mod" appeal "$a3" overturn "the hide was wrong"
is "$STATUS" 409 "overturning an appeal a later decision replaced: 409"
is "$(json .error.code)" superseded "... superseded"
is "$(sql "SELECT mod_state FROM posts WHERE id = $p3")" removed "... and the later removal stands"
act "$mod" appeal "$a3" uphold "A later decision replaced the hide"
is "$STATUS" 200 "it can be upheld"
is "$hide_appealable" true "a hide can be appealed"

# A label replaces the author's own warning; overturning it brings that back.
TOKEN=$author
upload "$(image png 64 64 $((seed + 58)))" "a post with its own warning" -F "content_warning=spiders"
p4=$(json .post.id)
act "$mod" post "$p4" label "Graphic" '"content_warning":"gore"'
is "$STATUS" 200 "a moderator labels a post"
l4=$(json .action.id)
is "$(sql "SELECT content_warning FROM posts WHERE id = $p4")" gore "... with its content warning"
call POST /api/v1/appeals "$author" "{\"action_id\":$l4,\"note\":\"it is only spiders\"}"
act "$mod" appeal "$(json .appeal.id)" overturn "Fair enough"
is "$(sql "SELECT content_warning FROM posts WHERE id = $p4")" spiders "overturning the label restores the author's own warning"

# A role or ban changed behind a cached session counts at the next action.
sql "UPDATE users SET role = 'user' WHERE username = '$mod_name'" >/dev/null
act "$mod" post "$p4" hide "x"
is "$STATUS" 403 "a moderator demoted behind their cached session cannot act"
sql "UPDATE users SET role = 'moderator' WHERE username = '$mod_name'" >/dev/null
act "$mod" post "$p4" restore "still visible"
is "$STATUS" 200 "... and acts again once the role is back"

# --- comments --------------------------------------------------------------------------
TOKEN=$viewer
upload "$(image png 64 64 $((seed + 53)))" "viewer's post"
vpost=$(json .post.id)
call POST "/api/v1/posts/$vpost/comments" "$author" '{"text":"buy my stuff"}'
comment=$(json .comment.id)
# Only its author deletes a comment; anyone else's removal is a moderation
# action: reason, audit row, notice, appeal, and the role rules.
call DELETE "/api/v1/comments/$comment" "$mod"
is "$STATUS/$(json .error.code)" 403/moderation_action "a moderator cannot delete someone's comment"
req POST "/c/$comment/delete" -H "Authorization: Bearer $mod" --data 'x=1'
is "$STATUS" 403 "... nor through the page form"
is "$(sql "SELECT CONCAT(deleted, ':', mod_state) FROM comments WHERE id = $comment")" 0:visible \
	"... the comment is untouched"
call POST "/api/v1/posts/$vpost/comments" "$admin" '{"text":"the admin speaks"}'
admin_comment=$(json .comment.id)
call DELETE "/api/v1/comments/$admin_comment" "$mod"
is "$STATUS" 403 "a moderator cannot delete an admin's comment"
act "$mod" comment "$admin_comment" remove "I disagree"
is "$STATUS/$(json .error.code)" 403/forbidden "... nor remove it: only an admin acts on an admin"
is "$(sql "SELECT CONCAT(deleted, ':', mod_state) FROM comments WHERE id = $admin_comment")" 0:visible \
	"... it stays"
call DELETE "/api/v1/comments/$admin_comment" "$admin"
is "$STATUS" 200 "the admin deletes their own comment"
act "$mod" comment "$comment" remove "Advertising"
is "$STATUS" 200 "a comment is removed"
comment_action=$(json .action.id)
is "$(sql "SELECT CONCAT(action, ':', target_type, ':', target_id, ':', reason) FROM mod_actions WHERE id = $comment_action")" \
	"remove:comment:$comment:Advertising" "... with its audit row"
is "$(sql "SELECT COUNT(*) FROM notifications WHERE user_id = $author_id AND action_id = $comment_action")" 1 \
	"... and a notice to its author"
call POST /api/v1/appeals "$author" "{\"action_id\":$comment_action,\"note\":\"it was a joke\"}"
is "$STATUS" 201 "... who can appeal it"
call GET "/api/v1/posts/$vpost/comments" "$viewer"
is "$(json "[.items[] | select(.id == $comment)] | length")" 0 "others no longer see it"
req GET "/api/v1/posts/$vpost/comments?v=$RANDOM"
is "$(json "[.items[] | select(.id == $comment)] | length")" 0 "... nor do visitors"
call GET "/api/v1/posts/$vpost/comments" "$author"
is "$(json "[.items[] | select(.id == $comment)][0].mod_state")" removed "its author sees it, marked"

# --- warn, suspend --------------------------------------------------------------------
act "$mod" user "$author_id" warn "Please read the rules"
is "$STATUS" 200 "warn"
is "$(sql "SELECT warnings FROM users WHERE id = $author_id")" 1 "the warning is counted"
act "$mod" post "$post2" suspend "Repeated spam" '"duration":"1h"'
is "$STATUS" 200 "suspend the author of a post for an hour"
suspend_id=$(json .action.id)
until=$(sql "SELECT suspended_until - UNIX_TIMESTAMP() FROM users WHERE id = $author_id")
ok "$( ((until > 3500 && until <= 3600)); echo $?)" "... until an hour from now"
call PUT "/api/v1/posts/$vpost/like" "$author"
is "$STATUS" 403 "a suspended person cannot like"
is "$(json .error.code)" suspended "... suspended"
call POST "/api/v1/posts/$vpost/comments" "$author" '{"text":"hello"}'
is "$STATUS" 403 "... or comment"
call GET "/api/v1/posts/$vpost" "$author"
is "$STATUS" 200 "... but can read"
req GET / -H "Authorization: Bearer $author"
like "$BODY" "Your account is suspended until" "pages say so"
call POST /api/v1/appeals "$author" "{\"action_id\":$suspend_id,\"note\":\"I was hacked\"}"
is "$STATUS" 201 "a suspended person can still appeal"
call PATCH /api/v1/me "$author" '{"training_consent":false}'
is "$STATUS" 200 "... withdraw training consent"
call PATCH /api/v1/me "$author" '{"bio":"new bio"}'
is "$STATUS" 403 "... but not change the bio"
call PUT "/api/v1/users/$mod_name/mute" "$author"
is "$STATUS" 200 "... and can still mute (or block) people"
call DELETE "/api/v1/users/$mod_name/mute" "$author"
act "$mod" user "$author_id" unsuspend "Served"
is "$STATUS" 200 "lift the suspension"
call PUT "/api/v1/posts/$vpost/like" "$author"
is "$STATUS" 200 "the person can like again"

# --- ban -------------------------------------------------------------------------------
is "$(feed_has "$viewer" kind=latest "$post2")" yes "the author's posts are in feeds before the ban"
act "$mod" user "$author_id" ban "Spam account"
is "$STATUS" 200 "ban"
call GET /api/v1/me "$author"
is "$STATUS" 401 "the banned person's session is gone"
is "$(sql "SELECT COUNT(*) FROM sessions WHERE user_id = $author_id")" 0 "... every session"
req POST /api/v1/sessions -H 'Content-Type: application/json' \
	--data "{\"username\":\"$author_name\",\"password\":\"correct horse $author_name\"}"
is "$STATUS" 403 "a banned person cannot log in"
like "$(json .error.message)" "Spam account" "... and is told why"
req POST /api/v1/sessions -H 'Content-Type: application/json' \
	--data "{\"username\":\"$author_name\",\"password\":\"wrong\"}"
is "$STATUS" 401 "a wrong password does not learn of the ban"
is "$(feed_has "$viewer" kind=latest "$post2")" no "a banned person's posts leave the feeds"
is "$(anon_status "$post2")" 410 "... and their pages"
call GET "/api/v1/admin/users?status=banned&q=$author_name" "$mod"
is "$(json '.users[0].username')" "$author_name" "the users list finds the banned person"
call GET "/api/v1/admin/users/$author_name" "$mod"
is "$(json '[.user.history[].action] | join(",")')" "ban,unsuspend,suspend,warn,remove,restore,overturn,label,uphold,remove,hide,overturn,remove,restore,hide" \
	"their history lists every action, newest first"
is "$(sql "SELECT COUNT(*) FROM appeals a JOIN mod_actions m ON m.id = a.action_id WHERE m.action = 'ban'")" 0 \
	"(a ban is not appealed on the site: the person cannot log in)"
act "$mod" user "$author_id" unban "Appeal by mail accepted"
is "$STATUS" 200 "unban"
req POST /api/v1/sessions -H 'Content-Type: application/json' \
	--data "{\"username\":\"$author_name\",\"password\":\"correct horse $author_name\"}"
is "$STATUS" 200 "the person can log in again"
author=$(json .token)
is "$(feed_has "$viewer" kind=latest "$post2")" yes "... and their posts are back"

# --- bulk ------------------------------------------------------------------------------
TOKEN=$viewer
upload "$(image png 64 64 $((seed + 54)))" "bulk one"
b1=$(json .post.id)
upload "$(image png 64 64 $((seed + 55)))" "bulk two"
b2=$(json .post.id)
call POST /api/v1/admin/actions "$mod" \
	"{\"action\":\"hide\",\"reason\":\"Off topic\",\"targets\":[{\"target_type\":\"post\",\"target_id\":$b1},{\"target_type\":\"post\",\"target_id\":$b2},{\"target_type\":\"post\",\"target_id\":999999999}]}"
is "$STATUS" 200 "a bulk action answers"
is "$(json .done)/$(json .failed)" "2/1" "... two done, one failed"
is "$(json '[.results[].status] | join(",")')" "200,200,404" "... each with its status"
is "$(sql "SELECT GROUP_CONCAT(mod_state) FROM posts WHERE id IN ($b1, $b2)")" "hidden,hidden" "both are hidden"
call POST /api/v1/admin/actions "$mod" '{"action":"hide","reason":"x","targets":[]}'
is "$STATUS" 400 "an empty bulk list: 400"

# --- the audit log -----------------------------------------------------------------------
call GET "/api/v1/admin/audit?actor=$mod_name&action=ban" "$mod"
is "$STATUS" 200 "the audit log answers"
is "$(json '.items[0].subject')" "$author_name" "filtered by actor and action"
is "$(json '.items[0].reason')" "Spam account" "... with the reason"
is "$(json '[.items[].action] | unique | join(",")')" ban "... only bans"
call GET "/api/v1/admin/audit?subject=$mod_name" "$admin"
is "$(json '.items[0].action')" role "the role change is in the log too"
call GET /api/v1/admin/audit "$viewer"
is "$STATUS" 403 "a plain user cannot read the log"
n=$(sql "SELECT COUNT(*) FROM mod_actions")
sql "UPDATE mod_actions SET reason = 'rewritten' WHERE id = $hide_id" >/dev/null 2>&1
is "$(sql "SELECT reason FROM mod_actions WHERE id = $hide_id")" "Looks like spam to us" "the log cannot be rewritten"
sql "DELETE FROM mod_actions WHERE id = $hide_id" >/dev/null 2>&1
is "$(sql "SELECT COUNT(*) FROM mod_actions")" "$n" "... or shortened"

# --- the pages ---------------------------------------------------------------------------
jar="$TMP/modjar"
login_jar "$mod_name" "$jar"
call POST /api/v1/reports "$reporter" "{\"target_type\":\"post\",\"target_id\":$vpost,\"reason\":\"other\"}"
req GET /admin -b "$jar"
is "$STATUS" 200 "the queue page"
like "$BODY" 'name="action" value="remove"' "... has one-click actions"
like "$BODY" 'form="bulk" name="target"' "... and bulk selection"
TOKEN=$viewer
upload "$(image png 64 64 $((seed + 56)))" "form target"
f1=$(json .post.id)
req POST /admin/actions -b "$jar" --data-urlencode "csrf=$JAR_CSRF" --data-urlencode "target=post:$f1" \
	--data-urlencode "action=hide" --data-urlencode "reason=by form" --data-urlencode "next=/admin"
is "$STATUS" 303 "the bulk form acts and goes back"
is "$(header location)" /admin "... to the queue"
is "$(sql "SELECT mod_state FROM posts WHERE id = $f1")" hidden "... and the post is hidden"
req POST /admin/actions -b "$jar" --data-urlencode "csrf=nope" --data-urlencode "target=post:$b1" \
	--data-urlencode "action=restore" --data-urlencode "reason=x"
is "$STATUS" 403 "without the CSRF token: 403"
is "$(sql "SELECT mod_state FROM posts WHERE id = $b1")" hidden "... nothing changed"
for page in /admin/audit /admin/users "/admin/users/$author_name"; do
	req GET "$page" -b "$jar"
	is "$STATUS" 200 "$page answers for a moderator"
done
req GET "/admin/users/$author_name" -b "$jar"
like "$BODY" "Spam account" "the user page shows the history"
unlike "$BODY" 'name="role"' "... without the role form for a moderator"
req GET "/admin/users/$author_name" -H "Authorization: Bearer $admin"
like "$BODY" 'name="role"' "... with it for an admin"
# Zero is printed once, not "00" (a count of 0 is also an empty section).
zero_name="$(uniq_name zero)"
new_user "$zero_name"
req GET "/admin/users/$zero_name" -H "Authorization: Bearer $admin"
like "$BODY" " 0 warning\\(s\\) · 0 post\\(s\\) · 0 open report\\(s\\)" "a new person's page counts 0, 0 and 0"
unlike "$BODY" "(^|[^0-9:])00 " "... never 00 (a clock time such as 17:00 is not a count)"
req GET "/admin/users?q=$zero_name" -H "Authorization: Bearer $admin"
like "$BODY" "<td>0</td><td>0</td>" "the users list shows 0 warnings and 0 posts"
unlike "$BODY" "<td>00</td>" "... never 00"
req GET /moderation -H "Authorization: Bearer $author"
is "$STATUS" 200 "the author's decisions page"
like "$BODY" "Repeated spam" "... lists the reasons"
req GET "/moderation/$remove_id" -H "Authorization: Bearer $author"
like "$BODY" "It was accepted" "... and the appeal's outcome"
req GET "/moderation/$remove_id" -H "Authorization: Bearer $viewer"
is "$STATUS" 404 "another person cannot read it"
done_testing

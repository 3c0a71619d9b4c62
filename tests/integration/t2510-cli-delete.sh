#!/usr/bin/env bash
# t2510-cli-delete.sh - `imagier delete-user USER`: an admin deletes an
# account from the command line with the same erasure as the settings page
# (lib/erase.c; t2500 checks every table of it): the person, their post,
# comment and like are gone, the counters of others are right again, their
# sessions no longer work and no cached copy stays; no audit row is added (the
# page adds none either). Unknown users, a missing name and the only admin are
# refused with exit 2 and a sentence.
source "$(dirname "$0")/lib.sh"
seed=$((RANDOM * 7 + 200000)) # fresh pictures on every run

x_name="$(uniq_name cliquit)"
new_user "$x_name"
x=$TOKEN
xid=$USER_ID
y_name="$(uniq_name clistay)"
new_user "$y_name"
y=$TOKEN
yid=$USER_ID

TOKEN=$y
upload "$(image png 64 64 $((seed + 1)))" "the stayer's post"
ypost=$(json .post.id)
yfollowers=$(sql "SELECT follower_count FROM users WHERE id = $yid")

# X's post, comment and like (and a follow, and Y's like and comment on X's post).
TOKEN=$x
upload "$(image png 64 64 $((seed + 2)))" "the leaver's post"
is "$STATUS" 201 "X posts"
xpost=$(json .post.id)
x_files=$(sql "SELECT m.path FROM media_files m JOIN posts p ON p.image_id = m.image_id WHERE p.id = $xpost")
call PUT "/api/v1/posts/$ypost/like" "$x"
is "$STATUS" 200 "X likes Y's post"
call POST "/api/v1/posts/$ypost/comments" "$x" "{\"text\":\"a comment by $x_name\"}"
is "$STATUS" 201 "X comments on Y's post"
xcomment=$(json .comment.id)
call PUT "/api/v1/users/$y_name/follow" "$x"
call PUT "/api/v1/posts/$xpost/like" "$y"
call POST "/api/v1/posts/$xpost/comments" "$y" '{"text":"nice one"}'
is "$(sql "SELECT like_count, comment_count FROM posts WHERE id = $ypost")" "1	1" "before: Y's post counts X's like and comment"
is "$(sql "SELECT follower_count FROM users WHERE id = $yid")" $((yfollowers + 1)) "before: X follows Y"
call GET "/api/v1/posts/$xpost" "$y" # cached copies of X's post and session
call GET /api/v1/me "$x"
x_sess=$(sql "SELECT LOWER(HEX(token_hash)) FROM sessions WHERE user_id = $xid")
audit_rows=$(sql "SELECT COUNT(*) FROM mod_actions")

# --- refusals ------------------------------------------------------------------------
cli delete-user
is "$RC" 2 "no user named: exit 2"
like "$ERR" "usage: imagier delete-user USER" "... with the usage"
cli delete-user "nobody$RANDOM$RANDOM"
is "$RC" 2 "an unknown user: exit 2"
like "$ERR" "there is no user nobody" "... saying so"
upper=$(tr '[:lower:]' '[:upper:]' <<<"$x_name")
cli delete-user "$upper"
is "$RC" 2 "the name in capitals: exit 2 (names exactly as they are)"
cli delete-user "$x_name "
is "$RC" 2 "the name with a trailing space: exit 2"
# The only admin, whatever earlier tests did: every other active admin steps
# down for this part and is put back after.
others=$(sql "SELECT GROUP_CONCAT(id) FROM users WHERE role = 'admin' AND banned_at IS NULL \
	AND username <> 'admin'")
[[ $others == NULL ]] && others=""
[[ -z $others ]] || sql "UPDATE users SET role = 'moderator' WHERE id IN ($others)" >/dev/null
cli delete-user admin
is "$RC" 2 "the only admin: exit 2"
like "$ERR" "only admin: make someone else admin first" "... saying why"
is "$(sql "SELECT COUNT(*) FROM users WHERE username = 'admin'")" 1 "... and the admin stays"
# A banned admin is not one the site counts on: they can be deleted.
b_name="$(uniq_name clibadm)"
new_user "$b_name"
sql "UPDATE users SET role = 'admin', banned_at = UNIX_TIMESTAMP() WHERE username = '$b_name'" >/dev/null
cli delete-user "$b_name"
is "$RC" 0 "a banned admin can be deleted while one active admin remains"
is "$(sql "SELECT COUNT(*) FROM users WHERE username = '$b_name'")" 0 "... and is gone"
[[ -z $others ]] || sql "UPDATE users SET role = 'admin' WHERE id IN ($others)" >/dev/null
is "$(sql "SELECT COUNT(*) FROM users WHERE id = $xid")" 1 "nothing of X was deleted yet"

# --- the deletion ----------------------------------------------------------------------
cli delete-user "$x_name"
is "$RC" 0 "delete-user: exit 0"
like "$OUT" "^deleted $x_name and everything of theirs" "... and says what it did"

# Through the API.
call GET /api/v1/me "$x"
is "$STATUS" 401 "X's session no longer works"
req GET "/api/v1/users/$x_name"
is "$STATUS" 404 "X's profile is gone"
call GET "/api/v1/posts/$xpost" "$y"
is "$STATUS" 404 "X's post is gone"
call GET "/api/v1/posts/$ypost/comments" "$y"
is "$(json "[.items[] | select(.id == $xcomment)] | length")" 0 "X's comment is gone from Y's post"
call GET "/api/v1/posts/$ypost" "$y"
is "$(json .post.like_count)" 0 "Y's post: like count right again"
is "$(json .post.comment_count)" 0 "... and comment count"
req POST /api/v1/sessions -H 'Content-Type: application/json' \
	--data "{\"username\":\"$x_name\",\"password\":\"correct horse $x_name\"}"
is "$STATUS" 401 "X cannot log in"

# In the database.
is "$(sql "SELECT COUNT(*) FROM users WHERE id = $xid")" 0 "no user row"
is "$(sql "SELECT COUNT(*) FROM posts WHERE user_id = $xid OR id = $xpost")" 0 "no post"
is "$(sql "SELECT COUNT(*) FROM comments WHERE user_id = $xid OR post_id = $xpost")" 0 "no comment (theirs, or on their post)"
is "$(sql "SELECT COUNT(*) FROM likes WHERE user_id = $xid OR post_id = $xpost")" 0 "no like (theirs, or of their post)"
is "$(sql "SELECT COUNT(*) FROM sessions WHERE user_id = $xid")" 0 "no session"
is "$(sql "SELECT like_count, comment_count FROM posts WHERE id = $ypost")" "0	0" "Y's post counters are corrected"
is "$(sql "SELECT follower_count FROM users WHERE id = $yid")" "$yfollowers" "... and Y's followers"
is "$(sql "SELECT COUNT(*) FROM mod_actions")" "$audit_rows" "no audit row was added"

# Files and memcached.
gone=1
for f in $x_files; do [[ -e "$MEDIA/$f" ]] && gone=0; done
is "$gone" 1 "their post's files are gone ($(wc -w <<<"$x_files") files)"
dump="$(mc_dump)"
hits="$(grep -F -e "$x_name" <<<"$dump" | cut -f1)"
for h in $x_sess; do hits+="$(grep -F -e "$h" <<<"$dump" | cut -f1)"; done
hits+="$(grep -E -e "^imagier:[a-z:]*post:$xpost	" <<<"$dump" | cut -f1)"
is "$hits" "" "no cached key or value names them, their session or their post"

cli delete-user "$x_name"
is "$RC" 2 "deleting them again: exit 2 (no such user)"
done_testing

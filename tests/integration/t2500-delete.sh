#!/usr/bin/env bash
# t2500-delete.sh - deleting an account: after the password, nothing of the
# person remains in the database (every table is searched for their id, name
# and posts), the media store (their files are gone, a picture someone else
# also posted stays) or memcached (every key and value is listed); others'
# counters are right again, others' remixes stay and say "parent deleted",
# others' replies to their comments stay; the audit log keeps its rows with
# the person erased.
source "$(dirname "$0")/lib.sh"
seed=$((RANDOM * 7 + 100000)) # fresh pictures on every run: removing one blocks its hash

admin=$(admin_token)

tag="deltag$RANDOM$RANDOM"
xtag="onlyx$RANDOM$RANDOM" # a tag only X ever uses
x_name="$(uniq_name leaver)"
new_user "$x_name"
x=$TOKEN
xid=$(sql "SELECT id FROM users WHERE username = '$x_name'")
y_name="$(uniq_name stayer)"
new_user "$y_name"
y=$TOKEN
yid=$(sql "SELECT id FROM users WHERE username = '$y_name'")
new_user "$(uniq_name third)"
z=$TOKEN

# Y's post, before X touches it.
TOKEN=$y
upload "$(image png 64 64 $((seed + 51)))" "the stayer's post" -F "tags=$tag"
ypost=$(json .post.id)
yfollowers=$(sql "SELECT follower_count FROM users WHERE id = $yid")
yfollowing=$(sql "SELECT following_count FROM users WHERE id = $yid")
tagcount=$(sql "SELECT post_count FROM tags WHERE name = '$tag'")

# X's life on the site.
TOKEN=$x
shared="$(image png 64 64 $((seed + 52)))"
upload "$shared" "the leaver's first post" -F "tags=$tag"
xpost1=$(json .post.id)
upload "$(image jpeg 64 64 $((seed + 53)))" "the leaver's second post" -F "tags=$xtag"
xpost2=$(json .post.id)
req PUT /api/v1/me/avatar -H "Authorization: Bearer $x" -F "avatar=@$(image png 96 96 $((seed + 54)))"
call PATCH /api/v1/me "$x" "{\"bio\":\"I am $x_name and I will leave\"}"
call PATCH /api/v1/me "$x" '{"training_consent":true}'
call PUT "/api/v1/posts/$ypost/like" "$x"
call POST "/api/v1/posts/$ypost/comments" "$x" "{\"text\":\"a comment by $x_name\"}"
xcomment=$(json .comment.id)
call POST "/api/v1/posts/$ypost/comments" "$y" "{\"text\":\"a reply to the leaver\",\"parent_id\":$xcomment}"
yreply=$(json .comment.id)
call PUT "/api/v1/users/$y_name/follow" "$x"
call PUT "/api/v1/users/$x_name/follow" "$y"
call PUT "/api/v1/tags/$tag/follow" "$x"
call PUT "/api/v1/posts/$xpost1/like" "$y"
call POST "/api/v1/posts/$xpost1/comments" "$y" '{"text":"nice one"}'
call POST /api/v1/reports "$x" "{\"target_type\":\"post\",\"target_id\":$ypost,\"reason\":\"other\"}"
call POST /api/v1/reports "$y" "{\"target_type\":\"user\",\"target_id\":$xid,\"reason\":\"spam\"}"
call PUT "/api/v1/users/$y_name/mute" "$x"
call POST /api/v1/admin/actions "$admin" "{\"target_type\":\"user\",\"target_id\":$xid,\"action\":\"warn\",\"reason\":\"a warning for $x_name\"}"
warn_id=$(json .action.id)
call GET "/api/v1/posts/$xpost1" "$y"      # cached copies of X's things
call GET /api/v1/notifications "$x"
req GET / -H "Authorization: Bearer $x"
req GET "/u/$x_name" -H "Authorization: Bearer $x"
# Z posts the very same picture as X's first post: that file must stay.
TOKEN=$z
upload "$shared" "the same picture, by someone else"
zpost=$(json .post.id)
# Y's remix of X's first post (its lineage columns, as publishing a remix sets them).
TOKEN=$y
upload "$(image png 64 64 $((seed + 55)))" "the stayer's remix"
yremix=$(json .post.id)
sql "UPDATE posts SET parent_id = $xpost1, root_id = $xpost1, depth = 1 WHERE id = $yremix;
     UPDATE posts SET remix_count = 1 WHERE id = $xpost1" >/dev/null
call GET "/api/v1/posts/$yremix" "$y"
is "$(json .post.parent.author)" "$x_name" "before: the remix names its parent's author"

is "$(sql "SELECT like_count FROM posts WHERE id = $ypost")" 1 "before: X liked Y's post"
is "$(sql "SELECT follower_count FROM users WHERE id = $yid")" $((yfollowers + 1)) "before: X follows Y"
x_files=$(sql "SELECT m.path FROM media_files m JOIN posts p ON p.image_id = m.image_id WHERE p.id = $xpost2
               UNION SELECT m.path FROM media_files m JOIN users u ON u.avatar_image_id = m.image_id WHERE u.id = $xid")
shared_files=$(sql "SELECT m.path FROM media_files m JOIN posts p ON p.image_id = m.image_id WHERE p.id = $xpost1")
ok "$( [[ -n "$x_files" && -n "$shared_files" ]]; echo $?)" "before: X has files"
x_sess=$(sql "SELECT LOWER(HEX(token_hash)) FROM sessions WHERE user_id = $xid")
audit_rows=$(sql "SELECT COUNT(*) FROM mod_actions")

# --- refusals ----------------------------------------------------------------------
call DELETE /api/v1/me "$x" '{"password":"not it"}'
is "$STATUS" 403 "a wrong password: 403"
is "$(json .error.code)" wrong_password "... wrong_password"
call DELETE /api/v1/me "$x" '{}'
is "$STATUS" 400 "no password: 400"
req DELETE /api/v1/me -H 'Content-Type: application/json' --data '{"password":"x"}'
is "$STATUS" 401 "anonymous: 401"
jar="$TMP/deljar"
login_jar "$x_name" "$jar"
req POST /settings/delete -b "$jar" --data-urlencode "csrf=$JAR_CSRF" --data-urlencode "password=correct horse $x_name"
is "$STATUS" 400 "the form without the confirmation box: 400"
req POST /settings/delete -b "$jar" --data-urlencode "csrf=nope" --data-urlencode "password=correct horse $x_name" \
	--data-urlencode "confirm=yes"
is "$STATUS" 403 "the form without the CSRF token: 403"
is "$(sql "SELECT COUNT(*) FROM users WHERE id = $xid")" 1 "nothing was deleted"
req GET /settings/delete -b "$jar"
like "$BODY" 'name="confirm"' "the page asks to confirm"
x_sess=$(sql "SELECT LOWER(HEX(token_hash)) FROM sessions WHERE user_id = $xid")

# Anonymous visitors read X's pages: nginx's microcache keeps copies.
anon_pages=("/u/$x_name" "/u/$x_name/feed.atom" "/api/v1/users/$x_name/posts" "/api/v1/tags/$xtag/posts" "/t/$xtag/feed.atom")
for pth in "${anon_pages[@]}"; do
	req GET "$pth"
	req GET "$pth"
	is "$STATUS $(header x-cache)" "200 hit" "before: $pth is served from the microcache"
done

# --- the deletion ----------------------------------------------------------------------
req POST /settings/delete -b "$jar" --data-urlencode "csrf=$JAR_CSRF" --data-urlencode "password=correct horse $x_name" \
	--data-urlencode "confirm=yes"
is "$STATUS" 303 "the form deletes the account"
call GET /api/v1/me "$x"
is "$STATUS" 401 "the bearer session is gone"

# Every table, every column that can name a person, a post or a comment.
leftovers=""
while IFS=$'\t' read -r table column type; do
	case "$column" in
	user_id | actor_id | reporter_id | follower_id | followee_id | subject_id | decided_by | updated_by | avatar_image_id)
		n=$(sql "SELECT COUNT(*) FROM \`$table\` WHERE \`$column\` = $xid") ;;
	target_id)
		case "$table" in
		mutes | blocks) n=$(sql "SELECT COUNT(*) FROM \`$table\` WHERE target_id = $xid") ;;
		reports) n=$(sql "SELECT COUNT(*) FROM reports WHERE (target_type = 'user' AND target_id = $xid) OR (target_type = 'post' AND target_id IN ($xpost1, $xpost2)) OR (target_type = 'comment' AND target_id = $xcomment)") ;;
		mod_actions) n=$(sql "SELECT COUNT(*) FROM mod_actions WHERE target_type = 'user' AND target_id = $xid") ;;
		feed_feedback) n=$(sql "SELECT COUNT(*) FROM feed_feedback WHERE kind = 'author' AND target_id = $xid") ;;
		classifier_decisions | classifier_scores) n=$(sql "SELECT COUNT(*) FROM \`$table\` WHERE (target_type = 'post' AND target_id IN ($xpost1, $xpost2)) OR (target_type = 'comment' AND target_id = $xcomment)") ;;
		*) n=0 ;;
		esac ;;
	post_id | other_post_id | parent_id | root_id)
		# dataset_items keeps bare ids on purpose (withdrawals); posts' parent
		# and root ids of others' remixes are what says "parent deleted".
		if [[ $table == dataset_items || $table == posts || $table == generations ]]; then n=0; else
			n=$(sql "SELECT COUNT(*) FROM \`$table\` WHERE \`$column\` IN ($xpost1, $xpost2)"); fi
		[[ $table == comments && $column == parent_id ]] &&
			n=$(sql "SELECT COUNT(*) FROM comments WHERE parent_id = $xcomment") ;;
	comment_id) n=$(sql "SELECT COUNT(*) FROM \`$table\` WHERE comment_id = $xcomment") ;;
	id)
		case "$table" in
		users) n=$(sql "SELECT COUNT(*) FROM users WHERE id = $xid") ;;
		posts) n=$(sql "SELECT COUNT(*) FROM posts WHERE id IN ($xpost1, $xpost2)") ;;
		comments) n=$(sql "SELECT COUNT(*) FROM comments WHERE id = $xcomment") ;;
		*) n=0 ;;
		esac ;;
	*) n=0 ;;
	esac
	if [[ $type =~ char|text ]]; then
		n=$((n + $(sql "SELECT COUNT(*) FROM \`$table\` WHERE \`$column\` LIKE '%$x_name%'")))
	fi
	[[ "$n" != 0 ]] && leftovers+="$table.$column=$n "
done < <(sql "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'imagier' ORDER BY TABLE_NAME, ORDINAL_POSITION")
is "$leftovers" "" "no row of any table names the person, their posts or their comment"
tables=$(sql "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'imagier'")
ok "$( ((tables >= 30)); echo $?)" "... searched in all $tables tables"

# The media store.
gone=1
for f in $x_files; do [[ -e "$MEDIA/$f" ]] && gone=0; done
is "$gone" 1 "every file of their own images is gone from the disk ($(wc -w <<<"$x_files") files)"
kept=1
for f in $shared_files; do [[ -e "$MEDIA/$f" ]] || kept=0; done
is "$kept" 1 "a picture someone else also posted stays"
req GET "/api/v1/posts/$zpost"
is "$STATUS" 200 "... and so does their post"

# memcached: no key and no value of theirs.
dump="$(mc_dump)"
ok "$( [[ -n "$dump" ]]; echo $?)" "memcached lists its keys"
hits="$(grep -F -e "$x_name" <<<"$dump" | cut -c1-120)"
for h in $x_sess; do hits+="$(grep -F -e "$h" <<<"$dump" | cut -f1)"; done
hits+="$(grep -E -e "^imagier:[a-z:]*post:($xpost1|$xpost2)	" <<<"$dump" | cut -f1)"
hits+="$(cut -f1 <<<"$dump" | grep -E -e ":$xid(:|\$)")"
is "$hits" "" "no cached key or value names them, their sessions or their posts"

# Others.
is "$(sql "SELECT like_count FROM posts WHERE id = $ypost")" 0 "Y's like count is right again"
is "$(sql "SELECT comment_count FROM posts WHERE id = $ypost")" 1 "... and the comment count (Y's reply stays)"
is "$(sql "SELECT follower_count FROM users WHERE id = $yid")" "$yfollowers" "... and Y's followers"
is "$(sql "SELECT following_count FROM users WHERE id = $yid")" "$yfollowing" "... and whom Y follows"
is "$(sql "SELECT post_count FROM tags WHERE name = '$tag'")" "$tagcount" "... and the tag's post count"
is "$(sql "SELECT COUNT(*) FROM tags WHERE name = '$xtag'")" 0 "the tag only X used is gone"
req GET "/api/v1/tags/$xtag/posts"
is "$STATUS" 404 "... GET /api/v1/tags/{tag}/posts answers 404"
req GET "/api/v1/tags/$tag/posts"
is "$STATUS/$(json '[.items[].id] | index('"$ypost"') != null')" 200/true "a tag others use stays, with their post"
# The microcache was refreshed: no copy of X's pages is served any more.
for pth in "${anon_pages[@]}"; do
	req GET "$pth"
	is "$STATUS" 404 "after: $pth answers 404 at once (X-Cache: $(header x-cache))"
done
call GET "/api/v1/posts/$ypost/comments" "$y"
is "$(json "[.items[] | select(.id == $yreply)] | length")" 1 "Y's reply to the deleted comment stays, at the top level"
call GET "/api/v1/posts/$yremix" "$y"
is "$STATUS" 200 "Y's remix stays"
is "$(json .post.parent_deleted)" true "... and says its parent was deleted"
req GET "/p/$yremix" -H "Authorization: Bearer $y"
like "$BODY" "parent deleted" "... on its page too"
is "$(sql "SELECT COUNT(*) FROM mod_actions")" "$audit_rows" "the audit log kept every row"
is "$(sql "SELECT subject_name FROM mod_actions WHERE id = $warn_id")" "[deleted]" "... with the person erased"
is "$(sql "SELECT reason FROM mod_actions WHERE id = $warn_id")" "a warning for [deleted]" "... also where a reason quoted their name"
req POST /api/v1/sessions -H 'Content-Type: application/json' \
	--data "{\"username\":\"$x_name\",\"password\":\"correct horse $x_name\"}"
is "$STATUS" 401 "the account cannot log in"
call DELETE /api/v1/me "$admin" "{\"password\":\"$IMAGIER_ADMIN_PASSWORD\"}"
is "$STATUS" 409 "the only admin cannot delete their account"
done_testing

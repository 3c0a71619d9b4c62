#!/usr/bin/env bash
# t1560-cli-admin.sh - the admin commands of bin/imagier (ban, unban,
# suspend, role) do what the admin pages do: the same rules, the same
# effects (a ban ends every session and hides the person's posts) and the
# same audit rows; refusals exit 2, and change nothing.
source "$(dirname "$0")/lib.sh"
seed=$((RANDOM * 7 + 300000))

last_action() { sql "SELECT IFNULL(MAX(id), 0) FROM mod_actions"; }
# the audit row's columns that the page and the command must agree on
row() {
	sql "SELECT actor_name, action, target_type, target_id, subject_name, reason, detail, \
		until_at IS NOT NULL FROM mod_actions WHERE id = $1"
}

admin=$(admin_token)
name="$(uniq_name clib)"
new_user "$name"
person=$TOKEN
uid=$USER_ID
sign_in "$name"
person2=$TOKEN
upload "$(image png 64 64 $((seed + 1)))" "a lighthouse by someone about to be banned"
post=$(json .post.id)
new_user "$(uniq_name clview)"
viewer=$TOKEN
other="$(uniq_name clother)"
new_user "$other"
other_id=$USER_ID
ok "$( (($(sql "SELECT COUNT(*) FROM sessions WHERE user_id = $uid") >= 2)); echo $?)" \
	"the person has two sessions (or more)"

# --- refusals: exit 2, nothing written ----------------------------------------------
before=$(last_action)
cli ban
is "$RC" 2 "ban without a person: usage, exit 2"
like "$ERR" "usage: imagier ban USER --reason TEXT" "... says how"
cli ban "$name"
is "$RC" 2 "ban without a reason: exit 2"
cli ban "$name" --reason "   "
is "$RC" 2 "ban with an empty reason: exit 2"
cli ban "nosuch$RANDOM" --reason "x"
is "$RC" 2 "ban of an unknown person: exit 2"
like "$ERR" "nobody called" "... who is named as unknown"
cli ban "$name" --reason "x" --as "$other"
is "$RC" 2 "--as a person who is not an admin: exit 2"
like "$ERR" "not an admin" "... who is told so"
cli ban "$name" --reason "x" --as "nosuch$RANDOM"
is "$RC" 2 "--as nobody: exit 2"
cli ban admin --reason "x"
is "$RC" 2 "the admin cannot ban themselves (another admin has to)"
cli suspend "$name" --reason "x"
is "$RC" 2 "suspend without --days: exit 2"
cli suspend "$name" --days 0 --reason "x"
is "$RC" 2 "suspend for 0 days: exit 2"
cli suspend "$name" --days 366 --reason "x"
is "$RC" 2 "suspend for more than a year: exit 2"
cli ban "$name" --days 3 --reason "x"
is "$RC" 2 "--days is for suspend only"
is "$(last_action)" "$before" "no refused command wrote an audit row"
is "$(sql "SELECT IFNULL(banned_at, 0), IFNULL(suspended_until, 0) FROM users WHERE id = $uid")" \
	"$(printf '0\t0')" "... or changed the person"

# --- ban -------------------------------------------------------------------------------
is "$(feed_has "$viewer" kind=latest "$post")" yes "the person's post is in the feed before"
cli ban "$name" --reason "Spam from the command line"
is "$RC" 0 "ban: exit 0"
like "$OUT" "banned @$name" "... and says so"
ban_id=$(last_action)
is "$(row "$ban_id")" "$(printf 'admin\tban\tuser\t%s\t%s\tSpam from the command line\t\t0' "$uid" "$name")" \
	"the audit row names the admin, the action, the person and the reason"
is "$(sql "SELECT actor_id = (SELECT MIN(id) FROM users WHERE role = 'admin') FROM mod_actions WHERE id = $ban_id")" 1 \
	"... the actor is the oldest admin by default"
is "$(sql "SELECT banned_at IS NOT NULL FROM users WHERE id = $uid")" 1 "the person is banned"
is "$(sql "SELECT COUNT(*) FROM sessions WHERE user_id = $uid")" 0 "every session of theirs is gone"
call GET /api/v1/me "$person"
is "$STATUS" 401 "... the first one answers 401 at once (its cached copy went too)"
call GET /api/v1/me "$person2"
is "$STATUS" 401 "... and the second"
sign_in "$name"
is "$STATUS" 403 "a banned person cannot log in"
like "$(json .error.message)" "Spam from the command line" "... and is told why"
is "$(sql "SELECT COUNT(*) FROM notifications WHERE user_id = $uid AND kind = 'moderation' AND action_id = $ban_id")" 1 \
	"the person gets the notice"
is "$(feed_has "$viewer" kind=latest "$post")" no "their posts leave the feeds"
is "$(http_code "/api/v1/posts/$post?v=$RANDOM")" 410 "... and their pages"

# The page writes the same row for the same decision.
call POST /api/v1/admin/actions "$admin" \
	"{\"target_type\":\"user\",\"target_id\":$other_id,\"action\":\"ban\",\"reason\":\"Spam from the command line\"}"
is "$STATUS" 200 "the page bans another person"
page_id=$(json .action.id)
is "$(row "$page_id" | cut -f1-3,6-8)" "$(row "$ban_id" | cut -f1-3,6-8)" \
	"... and its audit row has the same actor, action, type, reason and detail"
call POST /api/v1/admin/actions "$admin" \
	"{\"target_type\":\"user\",\"target_id\":$other_id,\"action\":\"unban\",\"reason\":\"x\"}"

# --- unban -----------------------------------------------------------------------------
cli unban "$name" --reason "Appeal by mail accepted" --as admin
is "$RC" 0 "unban: exit 0"
unban_id=$(last_action)
is "$(row "$unban_id")" "$(printf 'admin\tunban\tuser\t%s\t%s\tAppeal by mail accepted\t\t0' "$uid" "$name")" \
	"the audit row of the unban"
sign_in "$name"
is "$STATUS" 200 "the person can log in again"
person=$TOKEN
is "$(feed_has "$viewer" kind=latest "$post")" yes "... and their posts are back"

# --- suspend ---------------------------------------------------------------------------
cli suspend "$name" --days 3 --reason "Cool down"
is "$RC" 0 "suspend: exit 0"
susp_id=$(last_action)
is "$(row "$susp_id")" "$(printf 'admin\tsuspend\tuser\t%s\t%s\tCool down\tfor 259200 s\t1' "$uid" "$name")" \
	"the audit row of the suspension says for how long"
is "$(sql "SELECT suspended_until - UNIX_TIMESTAMP() BETWEEN 259100 AND 259200 FROM users WHERE id = $uid")" 1 \
	"the person is suspended for three days"
call PUT "/api/v1/posts/$post/like" "$person"
is "$STATUS" 403 "... and their existing session knows it at once"
is "$(json .error.code)" suspended "... suspended"
call POST /api/v1/admin/actions "$admin" \
	"{\"target_type\":\"user\",\"target_id\":$uid,\"action\":\"unsuspend\",\"reason\":\"Served\"}"
is "$STATUS" 200 "(the page lifts the suspension)"

# --- role ------------------------------------------------------------------------------
before=$(last_action)
cli role "$name" wizard
is "$RC" 2 "an unknown role: exit 2"
cli role "nosuch$RANDOM" mod
is "$RC" 2 "the role of an unknown person: exit 2"
cli role "$name" user
is "$RC" 2 "the role a person has already: exit 2"
is "$(last_action)" "$before" "... no audit row"
cli role "$name" mod
is "$RC" 0 "role mod: exit 0"
is "$(sql "SELECT role FROM users WHERE id = $uid")" moderator "the person is a moderator"
is "$(row "$(last_action)")" \
	"$(printf 'admin\trole\tuser\t%s\t%s\tchanged with bin/imagier role\tuser -> moderator\t0' "$uid" "$name")" \
	"the audit row of the role change"
call GET /api/v1/admin/queue "$person"
is "$STATUS" 200 "the person's existing session has the role at once"
cli role "$name" admin --reason "A second admin"
is "$RC" 0 "role admin: exit 0"
is "$(sql "SELECT reason, detail FROM mod_actions WHERE id = $(last_action)")" \
	"$(printf 'A second admin\tmoderator -> admin')" "... with the reason given"
cli role "$name" user --as "$name"
is "$RC" 2 "an admin cannot change their own role"
like "$ERR" "another admin" "... another admin has to"
cli role "$name" user
is "$RC" 0 "the other admin demotes them"
is "$(sql "SELECT role FROM users WHERE id = $uid")" user "... to user"
call GET /api/v1/admin/queue "$person"
is "$STATUS" 403 "... at once"

# --- names exactly as they are ---------------------------------------------------
# MariaDB compares names without case or accents; an operator's command does not.
before=$(last_action)
upper=$(tr '[:lower:]' '[:upper:]' <<<"$name")
cli ban "$upper" --reason "x"
is "$RC" 2 "ban of the name in capitals: exit 2"
like "$ERR" "nobody called $upper" "... nobody is called that"
cli ban "$name " --reason "x"
is "$RC" 2 "ban of the name with a trailing space: exit 2"
cli ban "$name" --reason "x" --as "ÁDMIN"
is "$RC" 2 "--as a look-alike of admin: exit 2"
is "$(last_action)" "$before" "... none of them wrote an audit row"
is "$(sql "SELECT banned_at IS NULL FROM users WHERE id = $uid")" 1 "... nobody was banned"

# --- the last admin ----------------------------------------------------------------------
# Deterministic whatever earlier tests did: every other active admin steps
# down to moderator for this part (their ids are kept and put back).
others=$(sql "SELECT GROUP_CONCAT(id) FROM users WHERE role = 'admin' AND banned_at IS NULL \
	AND username <> 'admin'")
[[ $others == NULL ]] && others=""
[[ -z $others ]] || sql "UPDATE users SET role = 'moderator' WHERE id IN ($others)" >/dev/null
before=$(last_action)
cli role admin user
is "$RC" 2 "the only admin cannot be demoted"
like "$ERR" "another admin" "... (the only one who could act is the admin themselves)"
is "$(sql "SELECT role FROM users WHERE username = 'admin'")" admin "... and stays admin"
is "$(last_action)" "$before" "... no audit row"
# A banned admin is not one the site counts on: demoting them is allowed
# even when the only other admin is the one acting.
cli role "$name" admin --reason "admin for a while"
is "$RC" 0 "a second admin"
cli ban "$name" --reason "banned admin"
is "$RC" 0 "... who is banned"
cli role "$name" user --reason "no longer an admin"
is "$RC" 0 "a banned admin can be demoted while one active admin remains"
is "$(sql "SELECT role FROM users WHERE id = $uid")" user "... to user"
cli unban "$name" --reason "back"
is "$RC" 0 "... and unbanned"
[[ -z $others ]] || sql "UPDATE users SET role = 'admin' WHERE id IN ($others)" >/dev/null
done_testing

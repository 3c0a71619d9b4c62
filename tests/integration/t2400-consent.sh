#!/usr/bin/env bash
# t2400-consent.sh - training consent: off by default; the account-wide choice
# (PATCH /api/v1/me, the settings form) and a post's override (PATCH
# /api/v1/posts/ID, the post page's form, owner only: others get 404 and
# change nothing) each record one event with its date per change, nothing
# when the value stays; GET /api/v1/me/consent lists them newest first.
source "$(dirname "$0")/lib.sh"

events() { sql "SELECT COUNT(*) FROM consent_events WHERE user_id = $1"; }

new_user "$(uniq_name consent)"
me=$TOKEN
me_csrf=$CSRF
me_name="$(json .user.username)"
me_id="$(json .user.id)"
upload "$(image png 64 64 2401)" "a lighthouse at dawn"
post=$(json .post.id)
new_user "$(uniq_name other)"
other=$TOKEN
other_name="$(json .user.username)"

# ---- defaults ----------------------------------------------------------------
TOKEN=$me
api GET /api/v1/me
is "$(json .user.training_consent)" false "off by default"
is "$(json .user.training_consent_at)" null "... and never chosen"
api GET /api/v1/me/consent
is "$(jsonc '[.current, .current_at, (.events | length)]')" '[false,null,0]' \
	"history: off, never chosen, no events"
api GET "/api/v1/posts/$post"
is "$(json .post.training_consent)" inherit "the owner sees the post's override: inherit"
is "$(json .post.training_consent_effective)" false "... not in a dataset (account off)"
req GET "/api/v1/posts/$post" -H "Authorization: Bearer $other"
is "$(json '.post | has("training_consent")')" false "others do not see the choice"
req GET "/api/v1/posts/$post"
is "$(json '.post | has("training_consent")')" false "nor does an anonymous visitor"

# ---- the account-wide choice -------------------------------------------------
api PATCH /api/v1/me '{"training_consent":"yes"}'
is "$STATUS" 400 "a string instead of a boolean: 400"
is "$(json .error.code)" bad_training_consent "... bad_training_consent"
api PATCH /api/v1/me '{"training_consent":1}'
is "$STATUS" 400 "a number: 400"
is "$(events "$me_id")" 0 "... nothing recorded"
req PATCH /api/v1/me -H 'Content-Type: application/json' --data '{"training_consent":true}'
is "$STATUS" 401 "anonymous: 401"

api PATCH /api/v1/me '{"training_consent":true}'
is "$STATUS" 200 "consent on: 200"
is "$(json .user.training_consent)" true "... on"
like "$(json .user.training_consent_at)" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T' "... with its date"
is "$(json .training_consent_changed)" true "... changed"
is "$(events "$me_id")" 1 "one event"
is "$(sql "SELECT value, post_id IS NULL FROM consent_events WHERE user_id = $me_id")" \
	"yes	1" "... account-wide, yes"
is "$(sql "SELECT training_consent FROM users WHERE id = $me_id")" 1 "users.training_consent = 1"
api PATCH /api/v1/me '{"training_consent":true}'
is "$(json .training_consent_changed)" false "the same value again: no change"
is "$(events "$me_id")" 1 "... and no event"
api PATCH /api/v1/me '{"bio":"likes lighthouses"}'
is "$(json .user.training_consent)" true "editing the bio keeps the choice"
is "$(events "$me_id")" 1 "... and records nothing"
api GET /api/v1/me
is "$(json .user.training_consent)" true "GET /api/v1/me: on"
api GET "/api/v1/posts/$post"
is "$(json .post.training_consent_effective)" true "the post now follows the account: in"

# Back dated, so the next change is visibly newer.
sql "UPDATE consent_events SET created_at = created_at - 86400 WHERE user_id = $me_id"
api PATCH /api/v1/me '{"training_consent":false}'
is "$(json .user.training_consent)" false "consent off"
is "$(events "$me_id")" 2 "a second event"
api GET /api/v1/me/consent
is "$(jsonc '[.events[].value]')" '["no","yes"]' "history newest first: no, yes"
is "$(json .current)" false "current: off"
is "$(json .current_at)" "$(json '.events[0].created_at')" "current_at is the date of the latest event"
isnt "$(json '.events[0].created_at')" "$(json '.events[1].created_at')" "each event has its own date"
is "$(json '.events[0] | has("post_id")')" false "an account event has no post_id"

# ---- the settings form -------------------------------------------------------
jar="$TMP/jar"
login_jar "$me_name" "$jar"
req GET /settings -b "$jar"
like "$BODY" 'name="training_consent"' "the settings page has the checkbox"
like "$BODY" 'name="training_consent_form" value="1"' "... and the marker field"
unlike "$BODY" 'name="training_consent" value="1"[^>]*checked' "... unchecked (off)"
like "$BODY" 'You chose this on <time' "... and says when it was chosen"
req POST /settings -b "$jar" -F "csrf=$JAR_CSRF" -F "bio=form bio" -F "training_consent_form=1" \
	-F "training_consent=1"
is "$STATUS" 303 "the form turns it on: 303"
is "$(events "$me_id")" 3 "... one event"
req POST /settings -b "$jar" -F "csrf=$JAR_CSRF" -F "bio=form bio 2" -F "training_consent_form=1" \
	-F "training_consent=1"
is "$(events "$me_id")" 3 "saving the form again unchanged records nothing"
req POST /settings -b "$jar" -F "csrf=$JAR_CSRF" -F "bio=form bio 3"
is "$STATUS" 303 "a form without the marker (an older page): 303"
is "$(sql "SELECT training_consent FROM users WHERE id = $me_id")" 1 "... leaves the choice alone"
req POST /settings -b "$jar" -F "csrf=$JAR_CSRF" -F "bio=form bio 4" -F "training_consent_form=1"
is "$(sql "SELECT training_consent FROM users WHERE id = $me_id")" 0 \
	"the box unticked (marker, no field): off"
is "$(events "$me_id")" 4 "... one event"
req GET /settings -b "$jar"
unlike "$BODY" 'name="training_consent" value="1"[^>]*checked' "the page shows it off"

# ---- a post's override -------------------------------------------------------
api PATCH "/api/v1/posts/$post" '{"training_consent":"maybe"}'
is "$STATUS" 400 "a bad value: 400"
is "$(json .error.code)" bad_training_consent "... bad_training_consent"
api PATCH "/api/v1/posts/$post" '{"training_consent":true}'
is "$STATUS" 400 "a boolean: 400"
api PATCH "/api/v1/posts/$post" '{"caption":"new"}'
is "$STATUS" 400 "nothing this endpoint changes: 400"
is "$(json .error.code)" nothing_to_change "... nothing_to_change"
req PATCH "/api/v1/posts/$post" -H "Authorization: Bearer $other" \
	-H 'Content-Type: application/json' --data '{"training_consent":"yes"}'
is "$STATUS" 404 "someone else's post: 404"
req PATCH "/api/v1/posts/99999999" -H "Authorization: Bearer $other" \
	-H 'Content-Type: application/json' --data '{"training_consent":"yes"}'
is "$STATUS" 404 "a post that does not exist: the same 404"
is "$(sql "SELECT training_consent FROM posts WHERE id = $post")" inherit "... nothing changed"
is "$(sql "SELECT COUNT(*) FROM consent_events WHERE post_id = $post")" 0 "... nothing recorded"

api PATCH "/api/v1/posts/$post" '{"training_consent":"yes"}'
is "$STATUS" 200 "the owner says yes for this post: 200"
is "$(json .post.training_consent)" yes "... yes"
is "$(json .post.training_consent_effective)" true "... in, though the account is off"
is "$(json .changed)" true "... changed"
is "$(sql "SELECT user_id, value FROM consent_events WHERE post_id = $post")" "$me_id	yes" \
	"one post event"
api PATCH "/api/v1/posts/$post" '{"training_consent":"yes"}'
is "$(json .changed)" false "the same value again: no change"
is "$(sql "SELECT COUNT(*) FROM consent_events WHERE post_id = $post")" 1 "... no event"
api GET /api/v1/me/consent
is "$(jsonc '[.events[0].post_id, .events[0].value, .events[0].scope]')" "[$post,\"yes\",\"post\"]" \
	"the history lists the post event first"
is "$(json .current)" false "... the account choice stays off"

# The page form.
req GET "/p/$post" -b "$jar"
like "$BODY" "action=\"/p/$post/consent\"" "the owner's post page has the form"
like "$BODY" 'value="yes" checked' "... with yes chosen"
req GET "/p/$post" -H "Authorization: Bearer $other"
unlike "$BODY" "/consent\"" "others' view of the page has no form"
req POST "/p/$post/consent" -b "$jar" --data-urlencode "csrf=$JAR_CSRF" --data "training_consent=no"
is "$STATUS" 303 "the form: 303"
like "$(header location)" "^/p/$post" "... back to the post"
is "$(sql "SELECT training_consent FROM posts WHERE id = $post")" no "... now no"
req POST "/p/$post/consent" -b "$jar" --data "training_consent=inherit"
is "$STATUS" 403 "without the CSRF token: 403"
req POST "/p/$post/consent" -b "$jar" --data-urlencode "csrf=$JAR_CSRF" --data "training_consent=all"
is "$STATUS" 400 "a bad value from the form: 400"
login_jar "$other_name" "$TMP/other-jar"
req POST "/p/$post/consent" -b "$TMP/other-jar" --data-urlencode "csrf=$JAR_CSRF" \
	--data "training_consent=yes"
is "$STATUS" 404 "someone else through the form: 404"
is "$(sql "SELECT training_consent FROM posts WHERE id = $post")" no "... still no"
is "$(sql "SELECT GROUP_CONCAT(value ORDER BY id) FROM consent_events WHERE post_id = $post")" \
	"yes,no" "every change of the post recorded, in order"
api PATCH "/api/v1/posts/$post" '{"training_consent":"inherit"}'
is "$(json .post.training_consent)" inherit "back to inherit"
is "$(sql "SELECT COUNT(*) FROM consent_events WHERE post_id = $post")" 3 "... a third event"

req GET /api/v1/me/consent
is "$STATUS" 401 "the history needs a login"
done_testing

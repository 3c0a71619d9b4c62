#!/usr/bin/env bash
# t1900-roles.sh - roles and ownership are checked on the server, for every
# request. The route table (cgi/routes.c) is read, not copied: every route
# flagged R_MOD or R_ADMIN is tried anonymously (API face: 401; page: 303 to
# /login), as a plain user (403, nothing changes) and, for R_ADMIN, as a
# moderator (403); moderators and admins do get the moderator pages. A new
# admin route is covered without touching this file, and the test fails if
# someone drops R_MOD from an admin route: every /admin and /api/v1/admin
# route must carry R_MOD or R_ADMIN (checked statically) and answer 401 / 303
# / 403 (checked over HTTP; with the flag gone the handler would run).
# Then every logged-in route that takes an {id} or {name} is either in the
# list of routes acting on the caller's own relation (follow, like, comment,
# ...) or tried as someone who does not own the object: another person's
# comment, generation or moderation notice answers 403/404 and the database
# shows no change; a moderator cannot change roles (only admins can).
source "$(dirname "$0")/lib.sh"

ROUTES="${IMAGIER_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/cgi/routes.c"

# ---- the people ----------------------------------------------------------------
# account NAME [ROLE]: sign up, set the role in the database, then log in (the
# session carries the role, so the role comes first); sets TOKEN.
account() {
	req POST /api/v1/accounts -H 'Content-Type: application/json' \
		--data "{\"username\":\"$1\",\"password\":\"correct horse $1\"}"
	[[ -z ${2:-} ]] || sql "UPDATE users SET role = '$2' WHERE username = '$1'"
	req POST /api/v1/sessions -H 'Content-Type: application/json' \
		--data "{\"username\":\"$1\",\"password\":\"correct horse $1\"}"
	TOKEN="$(json .token)"
}
owner_name="$(uniq_name owner)"
account "$owner_name"
owner=$TOKEN
other_name="$(uniq_name other)"
account "$other_name"
other=$TOKEN
mod_name="$(uniq_name moder)"
account "$mod_name" moderator
mod=$TOKEN
admin=$(admin_token)
ok "$([[ ${#owner} -gt 20 && ${#other} -gt 20 && ${#mod} -gt 20 && ${#admin} -gt 20 ]]; echo $?)" \
	"four sessions: owner, other, moderator, admin"
is "$(sql "SELECT role FROM users WHERE username = '$mod_name'")" moderator "the moderator is one"

TOKEN=$owner
tag="roletag$RANDOM"
upload "$(image png 80 80 91)" "a post to act on" -F "tags=$tag"
post=$(json .post.id)
# A notification for the owner, left unread (see the end).
req POST "/api/v1/posts/$post/comments" -H "Authorization: Bearer $other" \
	-H 'Content-Type: application/json' --data '{"text":"a note for the owner"}'

# What the role checks must never change, whatever answers.
snapshot() {
	sql "SELECT id, role, IFNULL(suspended_until, 0), IFNULL(banned_at, 0) FROM users ORDER BY id"
	sql "SELECT list, updated_at FROM word_filters"
	sql "SELECT COUNT(*) FROM mod_actions"
	sql "SELECT COUNT(*) FROM appeals"
	sql "SELECT id, mod_state FROM posts ORDER BY id"
	sql "SELECT id, mod_state, deleted FROM comments ORDER BY id"
}

# ---- the route table -------------------------------------------------------------
# One line a route: METHOD PATTERN FLAGS (flags without blanks, e.g. R_API|R_MOD).
routes_table() {
	grep -E '^[[:space:]]*\{"(GET|POST|PUT|PATCH|DELETE)",' "$ROUTES" |
		awk -F',' '{ m = $1; p = $2; f = $4
			gsub(/[{" \t]/, "", m); gsub(/[" \t]/, "", p); gsub(/[ \t]/, "", f)
			print m, p, f }'
}
mapfile -t ROUTE_LINES < <(routes_table)
ok "$([[ ${#ROUTE_LINES[@]} -gt 50 ]]; echo $?)" "cgi/routes.c parsed: ${#ROUTE_LINES[@]} routes"

# fill PATTERN: a concrete path for a pattern.
fill() {
	local p=$1
	p=${p//\{id\}/$post}
	p=${p//\{name\}/$other_name}
	p=${p//\{tag\}/$tag}
	printf '%s\n' "$p"
}
is_api() { [[ $1 == /api/* || $2 == *R_API* ]]; }
# probe METHOD PATH API [curl args]: a request with an empty body of the right kind.
probe() {
	local method=$1 path=$2 api=$3
	shift 3
	if [[ $method == GET ]]; then
		req GET "$path" "$@"
	elif ((api)); then
		req "$method" "$path" -H 'Content-Type: application/json' --data '{}' "$@"
	else
		req "$method" "$path" --data 'x=1' "$@"
	fi
}

before="$(snapshot)"
checked=0
for line in "${ROUTE_LINES[@]}"; do
	read -r method pattern flags <<<"$line"
	if [[ $pattern == /admin* || $pattern == /api/v1/admin* ]]; then
		[[ $flags == *R_MOD* || $flags == *R_ADMIN* ]] ||
			fail "$method $pattern is an admin route without R_MOD or R_ADMIN" "flags: $flags"
	fi
	# Admin by flag or by path: with R_MOD dropped, the requests below fail too.
	[[ $flags == *R_MOD* || $flags == *R_ADMIN* || $pattern == /admin* ||
		$pattern == /api/v1/admin* ]] || continue
	checked=$((checked + 1))
	path="$(fill "$pattern")"
	api=0
	is_api "$pattern" "$flags" && api=1
	probe "$method" "$path" "$api"
	if ((api)); then
		is "$STATUS" 401 "$method $pattern, anonymous: 401"
	else
		like "$STATUS $(header location)" "^303 /login" "$method $pattern, anonymous: 303 to /login"
	fi
	probe "$method" "$path" "$api" -H "Authorization: Bearer $other"
	if ((api)); then
		is "$STATUS $(json .error.code)" "403 forbidden" "$method $pattern, a plain user: 403 forbidden"
	else
		is "$STATUS" 403 "$method $pattern, a plain user: 403"
	fi
	if [[ $flags == *R_ADMIN* ]]; then
		probe "$method" "$path" "$api" -H "Authorization: Bearer $mod"
		is "$STATUS" 403 "$method $pattern, a moderator: 403 (admins only)"
	elif [[ $method == GET ]]; then
		for who in mod admin; do
			probe GET "$path" "$api" -H "Authorization: Bearer ${!who}"
			if [[ $STATUS == 501 ]]; then
				skip "$method $pattern as $who" "not implemented yet (501)"
			else
				ok "$([[ $STATUS != 401 && $STATUS != 403 && $STATUS -lt 500 ]]; echo $?)" \
					"$method $pattern as the $who: allowed (status $STATUS)"
			fi
		done
	fi
done
echo "# $checked moderator/admin routes checked"
ok "$([[ $checked -ge 20 ]]; echo $?)" "$checked moderator/admin routes found and checked"
is "$(snapshot)" "$before" "no role, suspension, filter, audit entry, appeal or content state changed"

# ---- ownership -------------------------------------------------------------------
# Routes that act only on the caller's own relation to a public object: a
# like, a comment, a follow, a mute, a block, a remix (a new generation of
# one's own). Anyone logged in may call them on anyone's post or name.
RELATION_ROUTES=" GET:/p/{id}/remix POST:/p/{id}/remix POST:/p/{id}/like POST:/p/{id}/comments
 POST:/u/{name}/follow POST:/u/{name}/mute POST:/u/{name}/block POST:/t/{tag}/follow
 PUT:/api/v1/posts/{id}/like DELETE:/api/v1/posts/{id}/like POST:/api/v1/posts/{id}/comments
 PUT:/api/v1/users/{name}/follow DELETE:/api/v1/users/{name}/follow
 PUT:/api/v1/users/{name}/mute DELETE:/api/v1/users/{name}/mute
 PUT:/api/v1/users/{name}/block DELETE:/api/v1/users/{name}/block
 PUT:/api/v1/tags/{tag}/follow DELETE:/api/v1/tags/{tag}/follow POST:/api/v1/posts/{id}/remix
 POST:/api/v1/accounts/{id}/follow POST:/api/v1/accounts/{id}/unfollow
 POST:/api/v1/statuses/{id}/favourite POST:/api/v1/statuses/{id}/unfavourite
 POST:/follow-requests/{id}/approve POST:/follow-requests/{id}/reject
 POST:/api/v1/follow_requests/{id}/authorize POST:/api/v1/follow_requests/{id}/reject "
# (a follow request's {id} is the requester's account: the caller answers
# only requests to follow them; t4240 tries another's.)
# Routes on an object that belongs to one person: tried below as another.
OWNER_ROUTES=" GET:/g/{id} POST:/g/{id}/publish POST:/g/{id}/cancel
 GET:/api/v1/generations/{id} DELETE:/api/v1/generations/{id} POST:/api/v1/generations/{id}/publish
 POST:/c/{id}/delete DELETE:/api/v1/comments/{id}
 GET:/moderation/{id} POST:/moderation/{id}/appeal GET:/api/v1/me/actions/{id}
 PATCH:/api/v1/posts/{id} POST:/p/{id}/consent
 GET:/settings/export/{id} GET:/settings/export/{id}/download
 GET:/api/v1/me/export/{id} GET:/api/v1/me/export/{id}/download
 POST:/settings/sessions/{id}/logout DELETE:/api/v1/sessions/{id} "
# ... and the Mastodon API's, tried as another in t4100 (which has OAuth tokens).
OWNER_ROUTES+=" DELETE:/api/v1/statuses/{id} GET:/api/v1/media/{id} "
# Line breaks as blanks, so " METHOD:PATTERN " finds any entry.
RELATION_ROUTES=" ${RELATION_ROUTES//$'\n'/ } "
OWNER_ROUTES=" ${OWNER_ROUTES//$'\n'/ } "
unclassified=()
for line in "${ROUTE_LINES[@]}"; do
	read -r method pattern flags <<<"$line"
	[[ $flags == *R_LOGIN* && $pattern == *\{* ]] || continue
	[[ $RELATION_ROUTES == *" $method:$pattern "* || $OWNER_ROUTES == *" $method:$pattern "* ]] ||
		unclassified+=("$method $pattern")
done
is "${unclassified[*]}" "" "every logged-in route with an {id} or {name} is classified here (new ones: add a test)"

jsonreq() { # jsonreq METHOD PATH TOKEN [JSON]
	if (($# > 3)); then
		req "$1" "$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' --data "$4"
	else
		req "$1" "$2" -H "Authorization: Bearer $3"
	fi
}

# --- another person's comment -------------------------------------------------
jsonreq POST "/api/v1/posts/$post/comments" "$owner" '{"text":"my own words"}'
comment=$(json .comment.id)
comment_state() { sql "SELECT CONCAT(deleted, ':', mod_state, ':', text) FROM comments WHERE id = $comment"; }
was="$(comment_state)"
is "$was" "0:visible:my own words" "the owner's comment is stored"
jsonreq DELETE "/api/v1/comments/$comment" "$other"
is "$STATUS" 403 "DELETE /api/v1/comments/{id} of another person: 403"
req POST "/c/$comment/delete" -H "Authorization: Bearer $other" --data 'x=1'
is "$STATUS" 403 "POST /c/{id}/delete of another person: 403"
is "$(comment_state)" "$was" "... the comment is untouched"
jsonreq DELETE "/api/v1/comments/$comment" "$owner"
is "$STATUS" 200 "the owner deletes it (the same request works for the right person)"

# --- another person's generation ----------------------------------------------------
jsonreq POST /api/v1/generations "$owner" '{"prompt":"a private sketch of a harbour"}'
gen=$(json .generation.id)
is "$STATUS" 202 "the owner starts a generation"
gen_state() { sql "SELECT CONCAT(user_id, ':', IFNULL(post_id, '-'), ':', status = 'cancelled') FROM generations WHERE id = $gen"; }
gen_before="$(gen_state)"
posts_before=$(sql "SELECT COUNT(*) FROM posts WHERE generation_id = $gen")
jsonreq GET "/api/v1/generations/$gen" "$other"
is "$STATUS" 404 "GET /api/v1/generations/{id} of another person: 404"
unlike "$BODY" "harbour" "... and nothing of it shows"
req GET "/g/$gen" -H "Authorization: Bearer $other"
is "$STATUS" 404 "GET /g/{id} of another person: 404"
unlike "$BODY" "harbour" "... and nothing of it shows"
jsonreq POST "/api/v1/generations/$gen/publish" "$other" '{"caption":"mine now"}'
is "$STATUS" 404 "POST /api/v1/generations/{id}/publish of another person: 404"
req POST "/g/$gen/publish" -H "Authorization: Bearer $other" --data 'caption=mine+now'
is "$STATUS" 404 "POST /g/{id}/publish of another person: 404"
jsonreq DELETE "/api/v1/generations/$gen" "$other"
is "$STATUS" 404 "DELETE /api/v1/generations/{id} of another person: 404"
req POST "/g/$gen/cancel" -H "Authorization: Bearer $other" --data 'x=1'
is "$STATUS" 404 "POST /g/{id}/cancel of another person: 404"
is "$(gen_state)" "$gen_before" "... the generation is neither published nor cancelled"
is "$(sql "SELECT COUNT(*) FROM posts WHERE generation_id = $gen")" "$posts_before" "... and no post was made of it"
jsonreq GET "/api/v1/generations/$gen" "$owner"
is "$STATUS" 200 "the owner reads it"

# --- another person's session ---------------------------------------------------
sess=$(sql "SELECT MAX(s.id) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.id = (SELECT user_id FROM generations WHERE id = $gen)")
jsonreq DELETE "/api/v1/sessions/$sess" "$other"
is "$STATUS" 404 "DELETE /api/v1/sessions/{id} of another person: 404"
req POST "/settings/sessions/$sess/logout" -H "Authorization: Bearer $other" --data 'x=1'
is "$STATUS" 404 "POST /settings/sessions/{id}/logout of another person: 404"
is "$(sql "SELECT COUNT(*) FROM sessions WHERE id = $sess")" 1 "... the session is still there"

# --- someone else's moderation notice and appeal ----------------------------------
jsonreq POST /api/v1/admin/actions "$admin" \
	"{\"target_type\":\"post\",\"target_id\":$post,\"action\":\"hide\",\"reason\":\"role test\"}"
if [[ $STATUS == 501 ]]; then
	skip "moderation notices of another person" "POST /api/v1/admin/actions not implemented yet (501)"
else
	ok "$([[ $STATUS == 200 || $STATUS == 201 ]]; echo $?)" "the admin hides the owner's post ($STATUS)"
	action=$(sql "SELECT MAX(id) FROM mod_actions WHERE target_type = 'post' AND target_id = $post")
	appeals_before=$(sql "SELECT COUNT(*) FROM appeals WHERE action_id = $action")
	jsonreq GET "/api/v1/me/actions/$action" "$other"
	like "$STATUS" "^40[34]$" "GET /api/v1/me/actions/{id} about another person: 403/404"
	unlike "$BODY" "role test" "... and the reason does not show"
	req GET "/moderation/$action" -H "Authorization: Bearer $other"
	like "$STATUS" "^40[34]$" "GET /moderation/{id} about another person: 403/404"
	unlike "$BODY" "role test" "... and the reason does not show"
	jsonreq POST /api/v1/appeals "$other" "{\"action_id\":$action,\"note\":\"not mine but let me\"}"
	like "$STATUS" "^40[34]$" "POST /api/v1/appeals on another person's action: 403/404"
	req POST "/moderation/$action/appeal" -H "Authorization: Bearer $other" --data 'note=let+me'
	like "$STATUS" "^40[34]$" "POST /moderation/{id}/appeal on another person's action: 403/404"
	is "$(sql "SELECT COUNT(*) FROM appeals WHERE action_id = $action")" "$appeals_before" "... no appeal was stored"
	jsonreq GET "/api/v1/me/actions/$action" "$owner"
	if [[ $STATUS == 501 ]]; then
		skip "the owner reads the notice" "GET /api/v1/me/actions/{id} not implemented yet (501)"
	else
		is "$STATUS" 200 "the person it is about reads it"
	fi
fi

# --- another person's post: consent and edits ------------------------------------
post_row() { sql "SELECT CONCAT_WS(':', user_id, caption, training_consent, mod_state) FROM posts WHERE id = $post"; }
post_before="$(post_row)"
jsonreq PATCH "/api/v1/posts/$post" "$other" '{"training_consent":"yes","caption":"taken over"}'
if [[ $STATUS == 501 ]]; then
	skip "PATCH /api/v1/posts/{id} of another person" "not implemented yet (501)"
else
	like "$STATUS" "^40[34]$" "PATCH /api/v1/posts/{id} of another person: 403/404"
fi
req POST "/p/$post/consent" -H "Authorization: Bearer $other" --data 'training_consent=yes'
if [[ $STATUS == 501 ]]; then
	skip "POST /p/{id}/consent of another person" "not implemented yet (501)"
else
	like "$STATUS" "^40[34]$" "POST /p/{id}/consent of another person: 403/404"
fi
is "$(post_row)" "$post_before" "... the post's caption, consent and state are unchanged"
is "$(sql "SELECT COUNT(*) FROM consent_events WHERE post_id = $post")" 0 "... and no consent event was recorded"

# --- another person's data export ------------------------------------------------------
jsonreq POST /api/v1/me/export "$owner" '{}'
if [[ $STATUS == 501 ]]; then
	skip "data exports of another person" "POST /api/v1/me/export not implemented yet (501)"
else
	export_id=$(sql "SELECT MAX(id) FROM export_jobs WHERE user_id = $(sql "SELECT id FROM users WHERE username = '$owner_name'")")
	ok "$([[ $export_id =~ ^[0-9]+$ ]]; echo $?)" "the owner asks for an export ($STATUS)"
	for path in "/api/v1/me/export/$export_id" "/api/v1/me/export/$export_id/download" \
		"/settings/export/$export_id" "/settings/export/$export_id/download"; do
		req GET "$path" -H "Authorization: Bearer $other"
		like "$STATUS" "^40[34]$" "GET ${path//$export_id/\{id\}} of another person: 403/404"
		unlike "$BODY" "$owner_name" "... and nothing of the owner shows"
	done
fi

# --- roles: only admins change them ------------------------------------------------
role_of() { sql "SELECT role FROM users WHERE username = '$1'"; }
jsonreq PATCH "/api/v1/admin/users/$other_name" "$mod" '{"role":"moderator"}'
if [[ $STATUS == 501 ]]; then
	skip "a moderator changes roles" "PATCH /api/v1/admin/users/{name} not implemented yet (501)"
else
	is "$STATUS" 403 "PATCH /api/v1/admin/users/{name} {role} as a moderator: 403"
	jsonreq PATCH "/api/v1/admin/users/$mod_name" "$mod" '{"role":"admin"}'
	is "$STATUS" 403 "a moderator making themself admin: 403"
	req POST "/admin/users/$other_name" -H "Authorization: Bearer $mod" --data 'role=moderator'
	is "$STATUS" 403 "POST /admin/users/{name} role=moderator as a moderator: 403"
	jsonreq PATCH "/api/v1/admin/users/admin" "$mod" '{"role":"user"}'
	is "$STATUS" 403 "a moderator demoting the admin: 403"
fi
is "$(role_of "$other_name")" user "... the plain user is still a plain user"
is "$(role_of "$mod_name")" moderator "... the moderator is still a moderator"
is "$(role_of admin)" admin "... the admin is still the admin"

# --- one's own things only ------------------------------------------------------------
bio_before=$(sql "SELECT bio FROM users WHERE username = '$owner_name'")
owner_id=$(sql "SELECT id FROM users WHERE username = '$owner_name'")
jsonreq PATCH /api/v1/me "$other" "{\"bio\":\"overwritten\",\"id\":$owner_id,\"user_id\":$owner_id,\"username\":\"$owner_name\"}"
is "$(sql "SELECT bio FROM users WHERE username = '$owner_name'")" "$bio_before" \
	"PATCH /api/v1/me with someone else's id or name changes only the caller"
unread() { sql "SELECT COUNT(*) FROM notifications WHERE user_id = $owner_id AND read_at IS NULL"; }
unread_before=$(unread)
ok "$([[ $unread_before -ge 1 ]]; echo $?)" "the owner has unread notifications"
jsonreq POST /api/v1/notifications/read "$other" '{"up_to":9007199254740991}'
is "$(unread)" "$unread_before" "marking notifications read touches only one's own"
done_testing

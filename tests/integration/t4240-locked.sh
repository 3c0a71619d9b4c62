#!/usr/bin/env bash
# t4240-locked.sh - locked accounts (issue 14): alice locks her account in
# /settings; her actor then says manuallyApprovesFollowers and her Mastodon
# account locked. A Follow from the Fedify peer becomes a request (no
# Accept queued, no follower), listed on /follow-requests and by the API,
# with a notice; alice approves it on the page (CSRF) and the peer gets her
# signed Accept of its Follow, a follower counted. A second peer's Follow,
# rejected through the API, gets a signed Reject; its Follow again and its
# Undo remove the request. A local follow by bob answers requested, makes
# no follows row until alice approves; another person cannot answer
# alice's requests. With an OAuth token, Mastodon's follow_requests list
# Accounts and authorize answers the Relationship. A block removes a
# request. Unlocked (PATCH /api/v1/me), a Follow is accepted at once again.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../fedpeer/lib.sh"

if ! command -v node >/dev/null || [[ ! -d $FEDPEER_DIR/node_modules/@fedify/fedify ]]; then
	echo "1..0 # skip node or tests/fedpeer/node_modules missing (tools/deps.sh test)"
	exit 0
fi
HOST="${IMAGIER_URL#http://}"
AP='application/activity+json'

alice="$(uniq_name lock)"
bob="$(uniq_name bob)"
carol="$(uniq_name carol)"
new_user "$bob"
bob_tok=$TOKEN
bob_id=$USER_ID
new_user "$carol"
carol_tok=$TOKEN
carol_id=$USER_ID
new_user "$alice"
alice_tok=$TOKEN
alice_id=$USER_ID
ALICE="$IMAGIER_URL/u/$alice"
jar="$TMP/alice.jar"
login_jar "$alice" "$jar"
csrf=$JAR_CSRF

fedpeer_start P:fan Q:other || {
	echo "Bail out! the peers did not start"
	exit 1
}
actor_of() { sql "SELECT id FROM ap_actors WHERE uri = '$1'"; }
account_of() { sql "SELECT user_id FROM ap_actors WHERE uri = '$1'"; }
requests() { sql "SELECT COUNT(*) FROM follow_requests WHERE user_id = $alice_id"; }
requests_are() { [[ $(requests) == "$1" ]]; }

# ---- locking ------------------------------------------------------------------------
req GET /settings -b "$jar"
like "$BODY" 'name="locked"' "the settings form has the lock checkbox"
req POST /settings -b "$jar" -F "csrf=nope" -F "locked_form=1" -F "locked=1"
is "$STATUS/$(sql "SELECT locked FROM users WHERE id = $alice_id")" 403/0 "without the CSRF token: 403, not locked"
req POST /settings -b "$jar" -F "csrf=$csrf" -F "locked_form=1" -F "locked=1"
is "$STATUS/$(sql "SELECT locked FROM users WHERE id = $alice_id")" 303/1 "alice locks her account in the settings"
call PATCH /api/v1/me "$alice_tok" '{"locked":"yes"}'
is "$STATUS/$(json .error.code)" 400/bad_locked "locked must be a boolean"
call GET /api/v1/me "$alice_tok"
is "$(json .user.locked)" true "her profile says locked"
req GET "/u/$alice" -H "Accept: $AP"
is "$STATUS/$(json .manuallyApprovesFollowers)" 200/true "her actor says manuallyApprovesFollowers"

# ---- a remote Follow becomes a request -------------------------------------------------
fp "$P_URL" follow "{\"acct\":\"$alice@$HOST\"}"
is "$FP_STATUS" 200 "the peer's Follow is taken by the inbox"
p_follow="$(fpj .activity.id)"
ok "$(wait_until 20 requests_are 1; echo $?)" "imagier-gen stores it as a follow request"
P_ACT=$(actor_of "$P_ACTOR")
P_ACC=$(account_of "$P_ACTOR")
is "$(sql "SELECT CONCAT(actor_id, ' ', follow_uri, ' ', requester_user_id IS NULL) FROM follow_requests WHERE user_id = $alice_id")" \
	"$P_ACT $p_follow 1" "... from the peer's actor, with its Follow's id"
is "$(sql "SELECT COUNT(*) FROM ap_followers WHERE user_id = $alice_id")" 0 "no follower yet"
is "$(sql "SELECT COUNT(*) FROM ap_deliveries WHERE host = '127.0.0.1:$P_PORT'")/$(sql "SELECT COUNT(*) FROM ap_inbox WHERE type = 'Follow' AND actor_id = $P_ACT AND state = 'done'")" \
	"0/1" "the Follow was handled and no Accept was queued"
fp "$P_URL" log '{"type":"Accept"}'
is "$(fpj '.entries | length')" 0 "the peer received no Accept"
call GET /api/v1/follow_requests "$alice_tok"
is "$STATUS/$(json '.requests | length')/$(json '.requests[0].user.id')/$(json '.requests[0].remote')" \
	"200/1/$P_ACC/true" "GET /api/v1/follow_requests lists the peer"
like "$(json '.requests[0].user.username')" "^fan@" "... by its name@host"
req GET /follow-requests -b "$jar"
like "$BODY" "@fan@127.0.0.1:$P_PORT" "the page /follow-requests lists the peer"
like "$BODY" "/follow-requests/$P_ACC/approve" "... with an Approve form"
call GET /api/v1/notifications "$alice_tok"
is "$(json '[.items[] | select(.kind == "follow_request")] | length')" 1 "alice is told of the request"

# ---- approve on the page -> signed Accept ----------------------------------------------
req POST "/follow-requests/$P_ACC/approve" -b "$jar" --data-urlencode "csrf=nope"
is "$STATUS/$(requests)" 403/1 "without the CSRF token: 403, the request stays"
req POST "/follow-requests/$P_ACC/approve" -b "$jar" --data-urlencode "csrf=$csrf"
is "$STATUS/$(requests)" 303/0 "alice approves the peer on the page"
fp "$P_URL" wait "{\"type\":\"Accept\",\"actor\":\"$ALICE\",\"timeout_ms\":20000}"
is "$FP_STATUS/$(fpj .entry.verified)/$(fpj .entry.http_signature.valid)" 200/true/true \
	"the peer receives alice's Accept, its signature verified"
is "$(fpj .entry.http_signature.key_id)" "$ALICE#main-key" "signed with alice's key"
is "$(fpj .entry.activity.object.id)/$(fpj .entry.activity.object.type)/$(fpj .entry.activity.object.actor)" \
	"$p_follow/Follow/$P_ACTOR" "accepting the peer's Follow"
fp "$P_URL" whoami
is "$(fpj '.following[0].state')" accepted "the peer now follows alice"
req GET "/u/$alice/followers" -H "Accept: $AP"
is "$STATUS/$(json .totalItems)" 200/1 "alice's followers collection counts it"
req POST "/follow-requests/$P_ACC/approve" -b "$jar" --data-urlencode "csrf=$csrf"
is "$STATUS" 404 "approving it again: 404 (nothing waits)"

# ---- reject through the API -> signed Reject --------------------------------------------
fp "$Q_URL" follow "{\"acct\":\"$alice@$HOST\"}"
q_follow="$(fpj .activity.id)"
ok "$(wait_until 20 requests_are 1; echo $?)" "a second peer's Follow is a request too"
Q_ACC=$(account_of "$Q_ACTOR")
call POST "/api/v1/follow_requests/$Q_ACC/reject" "$bob_tok"
is "$STATUS/$(requests)" 404/1 "bob cannot answer alice's requests (404), it stays"
call POST "/api/v1/follow_requests/$Q_ACC/reject" "$alice_tok"
is "$STATUS/$(json .approved)/$(requests)" 200/false/0 "alice rejects it through the API"
fp "$Q_URL" wait "{\"type\":\"Reject\",\"actor\":\"$ALICE\",\"timeout_ms\":20000}"
is "$FP_STATUS/$(fpj .entry.verified)/$(fpj .entry.http_signature.valid)" 200/true/true \
	"the second peer receives alice's Reject, its signature verified"
is "$(fpj .entry.activity.object.id)/$(fpj .entry.activity.object.type)" "$q_follow/Follow" \
	"rejecting its Follow"
is "$(sql "SELECT COUNT(*) FROM ap_followers WHERE user_id = $alice_id")" 1 "still one remote follower"
fp "$Q_URL" whoami
is "$(fpj '.following[0].state')" rejected "the second peer knows it was rejected"

# ---- a Follow again, then its Undo: the request goes ----------------------------------------
fp "$Q_URL" follow "{\"acct\":\"$alice@$HOST\"}"
ok "$(wait_until 20 requests_are 1; echo $?)" "the second peer asks again"
fp "$Q_URL" unfollow "{\"acct\":\"$alice@$HOST\"}"
is "$FP_STATUS" 200 "... and withdraws (Undo of its Follow)"
ok "$(wait_until 20 requests_are 0; echo $?)" "the Undo removes the request"

# ---- a local follow ------------------------------------------------------------------------
call PUT "/api/v1/users/$alice/follow" "$bob_tok"
is "$STATUS/$(json .following)/$(json .requested)" 200/false/true "bob's follow answers requested"
is "$(sql "SELECT COUNT(*) FROM follows WHERE follower_id = $bob_id AND followee_id = $alice_id")/$(requests)" \
	"0/1" "no follows row, a request"
call GET "/api/v1/users/$alice" "$bob_tok"
is "$(json .user.follow_requested)/$(json .user.followed_by_me)" true/false "bob sees his request pending"
login_jar "$bob" "$TMP/bob.jar"
req GET "/u/$alice" -b "$TMP/bob.jar"
like "$BODY" ">Requested<" "... and the profile's button says Requested"
call PUT "/api/v1/users/$alice/follow" "$bob_tok"
is "$STATUS/$(json .requested)/$(requests)" 200/true/1 "asking twice makes one request"
call POST "/api/v1/follow_requests/$bob_id/authorize" "$alice_tok"
is "$STATUS/$(json .approved)/$(requests)" 200/true/0 "alice approves bob through the API"
is "$(sql "SELECT COUNT(*) FROM follows WHERE follower_id = $bob_id AND followee_id = $alice_id")/$(sql "SELECT follower_count FROM users WHERE id = $alice_id")" \
	"1/1" "bob follows alice now, counted"
call PUT "/api/v1/users/$alice/follow" "$bob_tok"
is "$(json .following)/$(json .requested)/$(requests)" "true/null/0" "following already: no new request"
call POST /api/v1/follow_requests/999999999/authorize "$alice_tok"
is "$STATUS/$(json .error.code)" 404/not_found "an unknown request: 404"

# ---- carol asks, withdraws, asks again ----------------------------------------------------
call PUT "/api/v1/users/$alice/follow" "$carol_tok"
is "$(json .requested)/$(requests)" true/1 "carol asks"
call DELETE "/api/v1/users/$alice/follow" "$carol_tok"
is "$STATUS/$(requests)" 200/0 "carol withdraws her request"
call PUT "/api/v1/users/$alice/follow" "$carol_tok"
is "$(json .requested)/$(requests)" true/1 "carol asks again"

# ---- a block ends a request ----------------------------------------------------------------
new_user "$(uniq_name erin)"
erin=$(sql "SELECT username FROM users WHERE id = $USER_ID")
call PUT "/api/v1/users/$alice/follow" "$TOKEN"
is "$(json .requested)/$(requests)" true/2 "erin asks too"
call PUT "/api/v1/users/$erin/block" "$alice_tok"
is "$STATUS/$(requests)" 200/1 "alice blocks erin: her request goes"

# ---- Mastodon's face, with an OAuth token ------------------------------------------------
req POST /api/v1/apps --data-urlencode "client_name=locked app" \
	--data-urlencode "redirect_uris=urn:ietf:wg:oauth:2.0:oob" --data-urlencode "scopes=read write follow"
CID="$(json .client_id)"
CSECRET="$(json .client_secret)"
req POST /oauth/token --data-urlencode grant_type=password --data-urlencode "client_id=$CID" \
	--data-urlencode "client_secret=$CSECRET" --data-urlencode "username=$alice" \
	--data-urlencode "password=correct horse $alice" --data-urlencode "scope=read write follow"
OT="$(json .access_token)"
isnt "$OT" "" "alice's Mastodon app has a token"
call GET /api/v1/accounts/verify_credentials "$OT"
is "$(json .locked)" true "her Mastodon account says locked"
call GET /api/v1/follow_requests "$OT"
is "$STATUS/$(json 'type')/$(json '.[0].id')/$(json '.[0].acct')" "200/array/$carol_id/$carol" \
	"Mastodon's GET /api/v1/follow_requests: a list of Accounts"
call GET /api/v1/accounts/relationships?id=$carol_id "$OT"
is "$(json '.[0].requested_by')/$(json '.[0].followed_by')" true/false "the Relationship says requested_by"
call POST "/api/v1/follow_requests/$carol_id/authorize" "$OT"
is "$STATUS/$(json .id)/$(json .followed_by)/$(json .requested_by)" "200/$carol_id/true/false" \
	"authorize answers the Relationship: carol follows alice"
call POST "/api/v1/follow_requests/$carol_id/reject" "$OT"
is "$STATUS/$(json '.error | type')" "404/string" "nothing left to reject: 404 in Mastodon's shape"
call GET /api/v1/notifications "$OT"
is "$(json '[.[] | select(.type == "follow_request")] | length > 0')" true "Mastodon's notifications say follow_request"

# ---- unlock: follows are accepted at once again ----------------------------------------------
call PATCH /api/v1/me "$alice_tok" '{"locked":false}'
is "$STATUS/$(json .user.locked)" 200/false "alice unlocks her account through the API"
req GET "/u/$alice" -H "Accept: $AP"
is "$(json .manuallyApprovesFollowers)" false "her actor says so"
fp "$Q_URL" follow "{\"acct\":\"$alice@$HOST\"}"
q_follow="$(fpj .activity.id)"
fp "$Q_URL" wait "{\"type\":\"Accept\",\"actor\":\"$ALICE\",\"timeout_ms\":20000}"
is "$FP_STATUS/$(fpj .entry.verified)/$(fpj .entry.activity.object.id)" "200/true/$q_follow" \
	"the second peer's Follow is accepted at once"
is "$(sql "SELECT COUNT(*) FROM ap_followers WHERE user_id = $alice_id")/$(requests)" 2/0 \
	"two remote followers, no request"
new_user "$(uniq_name dave)"
call PUT "/api/v1/users/$alice/follow" "$TOKEN"
is "$(json .following)/$(json .requested)/$(sql "SELECT COUNT(*) FROM follows WHERE follower_id = $USER_ID AND followee_id = $alice_id")" \
	true/null/1 "a local follow of an unlocked account is made at once"

done_testing

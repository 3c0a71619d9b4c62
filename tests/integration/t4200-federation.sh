#!/usr/bin/env bash
# t4200-federation.sh - the first federation round trip with a real
# ActivityPub server (the Fedify peer, tests/fedpeer/): the peer finds alice
# by WebFinger (alice@127.0.0.1:PORT), follows her through the shared inbox
# and receives her Accept, signed with her key; alice posts a picture and
# the peer receives the Create, its signature verified by Fedify, its
# attachment marked trainedAlgorithmicMedia; a post the moderators remove
# reaches it as a Delete; the peer's Undo removes the follower. The inbox
# refuses an unsigned POST, a bad signature, a stale Date and an activity
# whose actor is not the signer (401), a body over 256 KB (413), another
# Content-Type (415), and an unknown person's inbox (404), storing nothing;
# a signed Like is taken (202) and stored once (t4210 checks what it does); a
# cached key that no longer verifies is fetched once more. A follower whose
# server is down: its delivery row stays, retried later (attempts counted,
# next_at moved, the error kept), and after 5 failures in a row the host's
# circuit breaker holds its rows.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../fedpeer/lib.sh"

if ! command -v node >/dev/null || [[ ! -d $FEDPEER_DIR/node_modules/@fedify/fedify ]]; then
	echo "1..0 # skip node or tests/fedpeer/node_modules missing (tools/deps.sh test)"
	exit 0
fi
seed=$((RANDOM * 7 + 420000))
HOST="${IMAGIER_URL#http://}"
AP='application/activity+json'

alice="$(uniq_name fed)"
new_user "$alice"
alice_tok=$TOKEN
alice_id=$USER_ID
ALICE="$IMAGIER_URL/u/$alice"

fedpeer_start P:fan D:gone || {
	echo "Bail out! the peers did not start"
	exit 1
}
inbox_rows() { sql "SELECT COUNT(*) FROM ap_inbox"; }

# ---- Follow -> Accept ------------------------------------------------------------
fp "$P_URL" lookup "{\"acct\":\"$alice@$HOST\"}"
is "$FP_STATUS/$(fpj .actor.id)" "200/$ALICE" "the peer finds alice@$HOST by WebFinger"
t0=$EPOCHREALTIME
fp "$P_URL" follow "{\"acct\":\"$alice@$HOST\"}"
t1=$EPOCHREALTIME
is "$FP_STATUS" 200 "the peer's signed Follow is taken by imagier's inbox"
follow_id="$(fpj .activity.id)"
fp "$P_URL" wait "{\"type\":\"Accept\",\"actor\":\"$ALICE\",\"timeout_ms\":20000}"
t2=$EPOCHREALTIME
echo "# Follow sent and taken (key fetched): $(bc <<<"$t1 - $t0") s; Accept received $(bc <<<"$t2 - $t1") s later"
is "$FP_STATUS/$(fpj .entry.verified)/$(fpj .entry.http_signature.valid)" 200/true/true \
	"the peer receives alice's Accept, its signature verified"
is "$(fpj .entry.http_signature.key_id)" "$ALICE#main-key" "signed with alice's key"
is "$(fpj .entry.activity.object.id)/$(fpj .entry.activity.object.type)" "$follow_id/Follow" \
	"accepting the peer's Follow"
fp "$P_URL" whoami
is "$(fpj '.following[0].state')" accepted "the peer now follows alice"
is "$(sql "SELECT COUNT(*) FROM ap_followers WHERE user_id = $alice_id")" 1 \
	"alice has one remote follower"
is "$(sql "SELECT CONCAT(a.uri, ' ', a.username, ' ', a.domain) FROM ap_followers f JOIN ap_actors a ON a.id = f.actor_id WHERE f.user_id = $alice_id")" \
	"$P_ACTOR fan 127.0.0.1:$P_PORT" "the follower's actor is cached (uri, name, domain)"
is "$(sql "SELECT state FROM ap_inbox WHERE type = 'Follow' AND actor_id = (SELECT id FROM ap_actors WHERE uri = '$P_ACTOR')")" \
	"done" "the Follow was handled by imagier-gen"

# a second follower, whose server then goes away
fp "$D_URL" follow "{\"acct\":\"$alice@$HOST\"}"
fp "$D_URL" wait "{\"type\":\"Accept\",\"actor\":\"$ALICE\",\"timeout_ms\":20000}"
is "$FP_STATUS" 200 "a second peer follows alice too"
kill "$D_PID" 2>/dev/null
wait "$D_PID" 2>/dev/null
is "$(sql "SELECT COUNT(*) FROM ap_followers WHERE user_id = $alice_id")" 2 "two remote followers"
req GET "/u/$alice/followers" -H "Accept: $AP"
is "$STATUS/$(json .totalItems)" 200/2 "alice's followers collection counts them"

# ---- Create on publish -------------------------------------------------------------
TOKEN=$alice_tok
t0=$EPOCHREALTIME
upload "$(image jpeg 640 400 $((seed + 1)))" "a lighthouse in snow"
post=$(json .post.id)
is "$STATUS" 201 "alice posts a picture"
fp "$P_URL" wait "{\"type\":\"Create\",\"object\":\"$IMAGIER_URL/p/$post\",\"timeout_ms\":20000}"
echo "# upload to Create received: $(bc <<<"$EPOCHREALTIME - $t0") s"
is "$FP_STATUS/$(fpj .entry.verified)/$(fpj .entry.http_signature.valid)" 200/true/true \
	"the peer receives the Create, its signature verified by Fedify"
is "$(fpj .entry.actor)" "$ALICE" "from alice"
is "$(fpj '.entry.activity.object.attachment[0].digitalSourceType')" \
	"http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia" \
	"its attachment says it was made by a trained model"
is "$(fpj '.entry.activity.object."imagier:prompt"')" "a lighthouse in snow" "with its prompt"
is "$(fpj '.entry.activity.object."imagier:trainingConsent"')" false "... and no consent to training"

# ---- the follower whose server is down ---------------------------------------------
dhost="127.0.0.1:$D_PORT"
tries() { sql "SELECT attempts FROM ap_deliveries WHERE host = '$dhost'"; }
tries_ge() { [[ $(tries) -ge $1 ]]; }
ok "$(wait_until 20 tries_ge 1; echo $?)" "the delivery to the server that is down failed once"
is "$(sql "SELECT COUNT(*) FROM ap_deliveries WHERE host = '$dhost'")" 1 "its row stays in the queue"
is "$(sql "SELECT next_at - UNIX_TIMESTAMP() BETWEEN 40 AND 61 FROM ap_deliveries WHERE host = '$dhost'")" 1 \
	"to be tried again in a minute"
like "$(sql "SELECT last_error FROM ap_deliveries WHERE host = '$dhost'")" "curl|connect" \
	"with the error kept"
is "$(sql "SELECT failures FROM ap_hosts WHERE host = '$dhost'")" 1 "the host's breaker counts one failure"
# four more tries, made due at once: the fifth failure opens the breaker
for n in 2 3 4 5; do
	sql "UPDATE ap_deliveries SET next_at = 0 WHERE host = '$dhost'"
	wait_until 20 tries_ge "$n"
done
is "$(tries)" 5 "five tries counted"
is "$(sql "SELECT next_at - UNIX_TIMESTAMP() > 7000 FROM ap_deliveries WHERE host = '$dhost'")" 1 \
	"the fifth failure waits 12 hours"
is "$(sql "SELECT failures >= 5 AND open_until > UNIX_TIMESTAMP() FROM ap_hosts WHERE host = '$dhost'")" 1 \
	"the host's circuit breaker is open"
sql "UPDATE ap_deliveries SET next_at = 0 WHERE host = '$dhost'"
sleep 2
is "$(tries)" 5 "while it is open, the host's rows wait even when due"
is "$(sql "SELECT COUNT(*) FROM ap_deliveries WHERE host = '127.0.0.1:$P_PORT'")" 0 \
	"the living peer's deliveries are all done"

# ---- Update: consent travels, a profile changes -------------------------------------
call PATCH "/api/v1/posts/$post" "$alice_tok" '{"training_consent":"yes"}'
is "$STATUS" 200 "alice lets this picture be used for training"
fp "$P_URL" wait "{\"type\":\"Update\",\"object\":\"$IMAGIER_URL/p/$post\",\"timeout_ms\":20000}"
is "$FP_STATUS/$(fpj .entry.verified)/$(fpj .entry.actor)" "200/true/$ALICE" \
	"the peer receives an Update of the Note, verified"
is "$(fpj '.entry.activity.object."imagier:trainingConsent"')" true "... saying it may be used for training now"
call PATCH /api/v1/me "$alice_tok" '{"bio":"Lighthouses, mostly"}'
is "$STATUS" 200 "alice changes her bio"
fp "$P_URL" wait "{\"type\":\"Update\",\"object\":\"$ALICE\",\"timeout_ms\":20000}"
is "$FP_STATUS/$(fpj .entry.verified)/$(fpj .entry.activity.object.type)" "200/true/Person" \
	"the peer receives an Update of the Person, verified"
is "$(fpj .entry.activity.object.summary)" "<p>Lighthouses, mostly</p>" "... with the new bio"
is "$(fpj '.entry.activity.object.publicKey.id')" "$ALICE#main-key" "... and her key"

# ---- what the inbox refuses ----------------------------------------------------------
like_act() { echo "{\"@context\":\"https://www.w3.org/ns/activitystreams\",\"id\":\"$P_ACTOR/likes/$1\",\"type\":\"Like\",\"actor\":\"${2:-$P_ACTOR}\",\"object\":\"$IMAGIER_URL/p/$post\"}"; }
before=$(inbox_rows)
fp "$P_URL" raw "{\"inbox\":\"$IMAGIER_URL/inbox\",\"activity\":$(like_act 1),\"sign\":false}"
is "$(fpj .status)" 401 "an unsigned POST: 401"
like "$(fpj .body)" "no HTTP signature" "... saying why"
fp "$P_URL" raw "{\"inbox\":\"$IMAGIER_URL/inbox\",\"activity\":$(like_act 2),\"sign\":\"bad\"}"
is "$(fpj .status)" 401 "a body changed after signing: 401"
fp "$P_URL" raw "{\"inbox\":\"$IMAGIER_URL/inbox\",\"activity\":$(like_act 3 "$IMAGIER_URL/u/$alice")}"
is "$(fpj .status)" 401 "signed by the peer, but in alice's name: 401"
like "$(fpj .body)" "not the owner" "... the actor is not the key's owner"
body="$(like_act 4)"
digest="SHA-256=$(printf '%s' "$body" | openssl dgst -sha256 -binary | base64)"
req POST /inbox -H "Content-Type: $AP" -H "Date: Mon, 07 Dec 2020 10:00:00 GMT" -H "Digest: $digest" \
	-H "Signature: keyId=\"$P_ACTOR#main-key\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date digest\",signature=\"AAAA\"" \
	--data "$body"
is "$STATUS/$(json .error.code)" 401/bad_signature "a stale Date: 401"
like "$(json .error.message)" "Date" "... saying the Date is out of the window"
head -c 300000 /dev/zero | tr '\0' 'a' >"$TMP/big"
req POST /inbox -H "Content-Type: $AP" --data-binary "@$TMP/big"
is "$STATUS/$(json .error.code)" 413/too_large "a body over 256 KB: 413"
req POST /inbox -H "Content-Type: text/plain" --data "$body"
is "$STATUS" 415 "another Content-Type: 415"
fp "$P_URL" raw "{\"inbox\":\"$IMAGIER_URL/u/nobody$RANDOM/inbox\",\"activity\":$(like_act 5)}"
is "$(fpj .status)" 404 "the inbox of nobody: 404"
is "$(inbox_rows)" "$before" "nothing refused was stored"
fp "$P_URL" raw "{\"inbox\":\"$ALICE/inbox\",\"activity\":$(like_act 6)}"
is "$(fpj .status)" 202 "a signed Like to alice's inbox: 202"
is "$(sql "SELECT COUNT(*) FROM ap_inbox WHERE type = 'Like' AND user_id = $alice_id")" 1 \
	"stored, once"
fp "$P_URL" raw "{\"inbox\":\"$ALICE/inbox\",\"activity\":$(like_act 6)}"
is "$(fpj .status)/$(sql "SELECT COUNT(*) FROM ap_inbox WHERE type = 'Like' AND user_id = $alice_id")" \
	202/1 "the same activity again: 202, stored once"

# a cached key that no longer verifies (the peer "rotated" it): fetched again
sql "UPDATE ap_actors SET public_pem = (SELECT public_pem FROM ap_keys WHERE user_id = $alice_id), fetched_at = UNIX_TIMESTAMP() - 60 WHERE uri = '$P_ACTOR'"
fp "$P_URL" raw "{\"inbox\":\"$ALICE/inbox\",\"activity\":$(like_act 7)}"
is "$(fpj .status)" 202 "a cached key that fails is fetched once more, and the activity taken"
is "$(sql "SELECT public_pem <> (SELECT public_pem FROM ap_keys WHERE user_id = $alice_id) AND fetched_at >= UNIX_TIMESTAMP() - 5 FROM ap_actors WHERE uri = '$P_ACTOR'")" 1 \
	"... and the peer's current key cached in its place"

# ---- a post removed by the moderators: Delete ----------------------------------------
admin=$(admin_token)
TOKEN=$alice_tok
upload "$(mosaic jpeg 320 200 $((seed + 2)))" "a storm at sea"
post2=$(json .post.id)
fp "$P_URL" wait "{\"type\":\"Create\",\"object\":\"$IMAGIER_URL/p/$post2\",\"timeout_ms\":20000}"
is "$FP_STATUS" 200 "a second post reaches the peer"
call POST /api/v1/admin/actions "$admin" \
	"{\"target_type\":\"post\",\"target_id\":$post2,\"action\":\"remove\",\"reason\":\"test\"}"
is "$STATUS" 200 "a moderator removes it"
fp "$P_URL" wait "{\"type\":\"Delete\",\"object\":\"$IMAGIER_URL/p/$post2\",\"timeout_ms\":20000}"
is "$FP_STATUS/$(fpj .entry.verified)/$(fpj .entry.actor)" "200/true/$ALICE" \
	"the peer receives alice's Delete of it, verified"
is "$(fpj .entry.activity.object.type)" Tombstone "a Tombstone"

# ---- Undo(Follow) ----------------------------------------------------------------
fp "$P_URL" unfollow "{\"acct\":\"$alice@$HOST\"}"
is "$FP_STATUS" 200 "the peer sends Undo(Follow)"
unfollowed() { [[ $(sql "SELECT COUNT(*) FROM ap_followers f JOIN ap_actors a ON a.id = f.actor_id WHERE a.uri = '$P_ACTOR'") == 0 ]]; }
ok "$(wait_until 20 unfollowed; echo $?)" \
	"the remote follower is gone"

done_testing

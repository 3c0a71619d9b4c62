#!/usr/bin/env bash
# tests/fedpeer/selftest.sh - the Fedify test peer against itself: two
# peers on free ports. A finds B by WebFinger and follows it, B accepts
# (signed); B posts and A gets the Create with a verified HTTP signature and
# the image attachment; A likes and replies and B gets both; B updates and
# deletes its post; a hand-made signed activity is logged as sent; posts with a bad signature, none, or signed by someone
# else than their actor are refused (401) and logged as refused; A
# unfollows; B answers a Follow by hand (manual mode) and then removes the
# follower with a Reject. Needs no imagier stack: TAP on stdout, runs on its own or as
# tests/integration/t4050-fedpeer-selftest.sh.
set -uo pipefail
# shellcheck source=tests/fedpeer/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T_N=0
T_FAIL=0
pass() { T_N=$((T_N + 1)); echo "ok $T_N - $1"; }
fail() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $1"; shift; for l in "$@"; do echo "#   $l"; done; }
is() { if [[ "$1" == "$2" ]]; then pass "$3"; else fail "$3" "got:      '$1'" "expected: '$2'"; fi; }
like() { if [[ "$1" =~ $2 ]]; then pass "$3"; else fail "$3" "got:     '${1:0:300}'" "pattern: '$2'"; fi; }
done_testing() { echo "1..$T_N"; exit $((T_FAIL > 0)); }

if ! command -v node >/dev/null || [[ ! -d $FEDPEER_DIR/node_modules/@fedify/fedify ]]; then
	echo "1..0 # skip node or tests/fedpeer/node_modules missing (tools/deps.sh test)"
	exit 0
fi

fedpeer_start A:alice B:bob || { echo "Bail out! the peers did not start"; exit 1; }

# -- WebFinger lookup ---------------------------------------------------------
fp "$A_URL" lookup "{\"acct\":\"$B_HANDLE\"}"
is "$FP_STATUS" 200 "lookup by WebFinger answers"
is "$(fpj .webfinger.subject)" "acct:$B_HANDLE" "the JRD's subject is the acct: handle"
is "$(fpj .actor.id)" "$B_ACTOR" "the actor found is B's"
is "$(fpj .actor.type)" Person "a Person"
is "$(fpj '.actor.publicKey.id')" "$B_ACTOR#main-key" "with its RSA public key"
fp "$A_URL" lookup '{"acct":"nobody@127.0.0.1:1"}'
is "$FP_STATUS" 502 "a handle nobody serves: 502 with an error"
fp "$A_URL" lookup '{"acct":"not a handle"}'
is "$FP_STATUS/$(fpj .error.code)" 400/bad_request "a malformed handle: 400"

# -- Follow, Accept -----------------------------------------------------------
fp "$A_URL" follow "{\"acct\":\"$B_HANDLE\"}"
is "$FP_STATUS" 200 "A follows B"
follow_id="$(fpj .activity.id)"
fp "$B_URL" wait "{\"type\":\"Follow\",\"actor\":\"$A_ACTOR\",\"timeout_ms\":5000}"
is "$FP_STATUS" 200 "B received the Follow"
is "$(fpj .entry.verified)/$(fpj .entry.http_signature.valid)" true/true "its HTTP signature verified"
is "$(fpj .entry.http_signature.key_id)" "$A_ACTOR#main-key" "signed with A's key"
is "$(fpj .entry.id)" "$follow_id" "the Follow A sent"
fp "$A_URL" wait "{\"type\":\"Accept\",\"actor\":\"$B_ACTOR\",\"timeout_ms\":5000}"
is "$FP_STATUS/$(fpj .entry.verified)/$(fpj .entry.http_signature.valid)" 200/true/true "A received B's signed Accept"
is "$(fpj .entry.object_type)" Follow "accepting the Follow"
fp "$B_URL" whoami
is "$(fpj '.followers | join(",")')" "$A_ACTOR" "A is B's follower"
curl -s -H 'Accept: application/activity+json' "$B_URL/users/bob/followers" >"$FEDPEER_TMP/followers.json"
is "$(jq -r .totalItems "$FEDPEER_TMP/followers.json")" 1 "B's followers collection counts one"

# -- a signer that is not Fedify (openssl, as a C server would sign) ------------
plain="$(timeout 30 python3 "$FEDPEER_DIR/plainsigner.py" "$B_URL/users/bob/inbox" "$B_ACTOR")"
is "$(jq -r '.status' <<<"$plain")" 202 "a Follow signed with openssl (rsa-sha256 over (request-target) host date digest content-type): 202"
is "$(jq -r '.received | join(",")' <<<"$plain")" Accept "its sender got the Accept"
fp "$B_URL" wait "{\"type\":\"Follow\",\"actor\":\"$(jq -r .actor <<<"$plain")\",\"timeout_ms\":3000}"
is "$(fpj .entry.verified)/$(fpj .entry.http_signature.valid)" true/true "B logged it as verified"
fp "$B_URL" mode '{"follow":"ignore"}'
fp "$B_URL" whoami
is "$(fpj '.followers | length')/$(fpj .follow_mode)" 2/ignore "B has two followers, and now ignores new Follows"
fp "$B_URL" mode '{"follow":"accept"}'

# -- B posts: A receives the Create ---------------------------------------------
fp "$B_URL" post '{"content":"<p>a lighthouse at dusk</p>","image":"http://127.0.0.1:1/media/x.png","image_name":"prompt: a lighthouse"}'
is "$FP_STATUS" 200 "B posts a Note with an image"
post="$(fpj .post)"
# shellcheck disable=SC2016 # $a is jq's
is "$(fpj '.delivered_to | index($a) != null' --arg a "$A_ACTOR")" true "delivered to its follower A"
is "$(fpj '.failed | length')" 1 "and not to the follower whose server is gone, which the answer says"
fp "$A_URL" wait "{\"type\":\"Create\",\"object\":\"$post\",\"timeout_ms\":5000}"
is "$FP_STATUS/$(fpj .entry.verified)/$(fpj .entry.http_signature.valid)" 200/true/true "A received the Create, signature verified"
is "$(fpj .entry.object_type)" Note "of a Note"
is "$(fpj .entry.activity.object.content)" "<p>a lighthouse at dusk</p>" "with its content"
is "$(fpj '.entry.activity.object.attachment | if type == "array" then .[0] else . end | .url + " " + .mediaType + " " + .name')" \
	"http://127.0.0.1:1/media/x.png image/png prompt: a lighthouse" "and its image attachment"
curl -s -H 'Accept: application/activity+json' "$post" >"$FEDPEER_TMP/note.json"
is "$(jq -r '.type + " " + .attributedTo' "$FEDPEER_TMP/note.json")" "Note $B_ACTOR" "the post dereferences to the Note"
curl -s -H 'Accept: application/activity+json' "$B_URL/users/bob/outbox" >"$FEDPEER_TMP/outbox.json"
is "$(jq -r .totalItems "$FEDPEER_TMP/outbox.json")" 1 "B's outbox counts the post"

# -- A likes and replies: B receives both ------------------------------------------
fp "$A_URL" like "{\"object\":\"$post\"}"
is "$FP_STATUS" 200 "A likes B's post"
like_id="$(fpj .activity.id)"
fp "$B_URL" wait "{\"type\":\"Like\",\"actor\":\"$A_ACTOR\",\"object\":\"$post\",\"timeout_ms\":5000}"
is "$FP_STATUS/$(fpj .entry.verified)/$(fpj .entry.http_signature.valid)" 200/true/true "B received the signed Like of its post"
fp "$A_URL" reply "{\"object\":\"$post\",\"content\":\"<p>lovely &amp; calm</p>\"}"
is "$FP_STATUS" 200 "A replies to B's post"
reply="$(fpj .post)"
fp "$B_URL" wait "{\"type\":\"Create\",\"actor\":\"$A_ACTOR\",\"object\":\"$reply\",\"timeout_ms\":5000}"
is "$FP_STATUS/$(fpj .entry.verified)" 200/true "B received the reply's Create"
is "$(fpj .entry.activity.object.inReplyTo)" "$post" "in reply to its post"
is "$(fpj .entry.activity.object.content)" "<p>lovely &amp; calm</p>" "with the reply's content"
fp "$A_URL" undo "{\"id\":\"$like_id\"}"
fp "$B_URL" wait "{\"type\":\"Undo\",\"actor\":\"$A_ACTOR\",\"object\":\"$like_id\",\"timeout_ms\":5000}"
is "$FP_STATUS/$(fpj .entry.object_type)" 200/Like "A takes the like back: B received Undo(Like)"

# -- B updates and deletes its post ---------------------------------------------------
fp "$A_URL" object "{\"url\":\"$post\"}"
is "$(fpj .object.content)" "<p>a lighthouse at dusk</p>" "A fetches B's post through Fedify"
fp "$B_URL" update "{\"id\":\"$post\",\"content\":\"<p>a lighthouse at night</p>\"}"
fp "$A_URL" wait "{\"type\":\"Update\",\"object\":\"$post\",\"timeout_ms\":5000}"
is "$FP_STATUS/$(fpj .entry.activity.object.content)" "200/<p>a lighthouse at night</p>" "A received the Update"
fp "$A_URL" object "{\"url\":\"$post\"}"
is "$(fpj .object.content)" "<p>a lighthouse at night</p>" "fetched again, the post is the new one (no cache)"
fp "$B_URL" delete "{\"id\":\"$post\"}"
fp "$A_URL" wait "{\"type\":\"Delete\",\"object\":\"$post\",\"timeout_ms\":5000}"
is "$FP_STATUS/$(fpj .entry.verified)" 200/true "A received the Delete"
is "$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/activity+json' "$post")" 404 "the deleted post is gone"

# -- a hand-made activity, signed: logged exactly as it was sent ------------------------
made="{\"@context\":[\"https://www.w3.org/ns/activitystreams\",{\"ex\":\"https://example.org/ns#\"}],\"id\":\"$A_ACTOR/activities/made-1\",\"type\":\"Create\",\"actor\":\"$A_ACTOR\",\"to\":\"$B_ACTOR\",\"object\":{\"id\":\"$A_ACTOR/posts/made-1\",\"type\":\"Note\",\"attributedTo\":\"$A_ACTOR\",\"content\":\"made\",\"attachment\":[{\"type\":\"Image\",\"mediaType\":\"image/jpeg\",\"url\":\"http://127.0.0.1:1/m.jpg\",\"ex:generator\":\"procedural\",\"unknownField\":{\"seed\":7}}]}}"
fp "$A_URL" raw "{\"inbox\":\"$B_URL/users/bob/inbox\",\"activity\":$made}"
is "$(fpj .status)" 202 "a hand-made, signed Create: accepted (202)"
fp "$B_URL" wait "{\"type\":\"Create\",\"object\":\"$A_ACTOR/posts/made-1\",\"timeout_ms\":3000}"
is "$(fpj .entry.verified)/$(fpj .entry.http_signature.valid)" true/true "logged as verified"
is "$(fpj '.entry.activity.object.attachment[0] | .["ex:generator"] + " " + (.unknownField.seed | tostring)')" "procedural 7" \
	"the log keeps the JSON as sent, fields no context defines included"

# -- what an inbox must refuse ----------------------------------------------------------
forged="{\"@context\":\"https://www.w3.org/ns/activitystreams\",\"id\":\"$A_ACTOR/activities/forged-1\",\"type\":\"Create\",\"actor\":\"$A_ACTOR\",\"object\":{\"id\":\"$A_ACTOR/posts/forged-1\",\"type\":\"Note\",\"attributedTo\":\"$A_ACTOR\",\"content\":\"forged\"}}"
fp "$A_URL" raw "{\"inbox\":\"$B_URL/users/bob/inbox\",\"activity\":$forged,\"sign\":\"bad\"}"
is "$(fpj .status)" 401 "a POST whose signature does not match its body: 401"
fp "$B_URL" wait "{\"refused\":true,\"object\":\"$A_ACTOR/posts/forged-1\",\"timeout_ms\":2000}"
is "$(fpj .entry.refused)/$(fpj .entry.verified)/$(fpj .entry.status)/$(fpj .entry.http_signature.valid)" \
	true/false/401/false "B logged it as refused, signature not verified"
fp "$B_URL" log "{\"type\":\"Create\",\"actor\":\"$A_ACTOR\",\"object\":\"$A_ACTOR/posts/forged-1\"}"
is "$(fpj '.entries | length')" 0 "and accepted nothing from it"
forged2="${forged//forged-1/forged-2}"
fp "$A_URL" raw "{\"inbox\":\"$B_URL/inbox\",\"activity\":$forged2,\"sign\":false}"
is "$(fpj .status)" 401 "an unsigned POST to the shared inbox: 401"
fp "$B_URL" wait "{\"refused\":true,\"object\":\"$A_ACTOR/posts/forged-2\",\"timeout_ms\":2000}"
is "$(fpj .entry.http_signature.present)/$(fpj .entry.status)" false/401 "logged as refused, no signature"
# signed by A, claiming to come from B
forged3="{\"@context\":\"https://www.w3.org/ns/activitystreams\",\"id\":\"$B_ACTOR/activities/forged-3\",\"type\":\"Like\",\"actor\":\"$B_ACTOR\",\"object\":\"$reply\"}"
fp "$A_URL" raw "{\"inbox\":\"$A_URL/users/alice/inbox\",\"activity\":$forged3}"
is "$(fpj .status)" 401 "an activity signed by someone else than its actor: 401"
fp "$A_URL" wait "{\"refused\":true,\"type\":\"Like\",\"actor\":\"$B_ACTOR\",\"timeout_ms\":2000}"
is "$(fpj .entry.http_signature.valid)/$(fpj .entry.reason)" "true/The signer and the actor do not match." \
	"logged as refused: the signer and the actor do not match"

# -- unfollow -------------------------------------------------------------------------------
fp "$A_URL" unfollow "{\"actor\":\"$B_ACTOR\"}"
is "$FP_STATUS" 200 "A unfollows B"
fp "$B_URL" wait "{\"type\":\"Undo\",\"actor\":\"$A_ACTOR\",\"object_type\":\"Follow\",\"timeout_ms\":5000}"
is "$FP_STATUS/$(fpj .entry.object)" "200/$follow_id" "B received Undo(Follow) of that Follow"
fp "$B_URL" whoami
# shellcheck disable=SC2016 # $a is jq's
is "$(fpj '.followers | index($a)' --arg a "$A_ACTOR")" null "A is no longer B's follower"

# -- Follows answered by hand -------------------------------------------------------------
fp "$B_URL" mode '{"follow":"manual"}'
fp "$A_URL" log '{"type":"Accept"}'
accepts="$(fpj '.entries | length')"
fp "$A_URL" follow "{\"actor\":\"$B_ACTOR\"}"
fp "$B_URL" whoami
is "$(fpj '.pending_follows | join(",")')" "$A_ACTOR" "in manual mode the Follow waits"
fp "$B_URL" accept "{\"actor\":\"$A_ACTOR\"}"
is "$FP_STATUS" 200 "B accepts it by hand"
fp "$A_URL" wait "{\"type\":\"Accept\",\"after\":$accepts,\"timeout_ms\":5000}"
is "$FP_STATUS" 200 "A received the Accept"
fp "$B_URL" reject "{\"actor\":\"$A_ACTOR\"}"
is "$FP_STATUS" 200 "B removes its follower A"
fp "$A_URL" wait "{\"type\":\"Reject\",\"actor\":\"$B_ACTOR\",\"timeout_ms\":5000}"
is "$FP_STATUS/$(fpj .entry.verified)" 200/true "A received the signed Reject"
fp "$A_URL" whoami
is "$(fpj '.following[0].state')" rejected "A's follow is rejected"
fp "$B_URL" accept '{}'
is "$FP_STATUS" 404 "nothing left to accept: 404"

# -- control interface limits -----------------------------------------------------------------
fp "$B_URL" wait '{"type":"Flag","timeout_ms":300}'
is "$FP_STATUS/$(fpj .error.code)" 408/timeout "wait gives up after timeout_ms"
fp "$B_URL" wait '{"type":"Flag","timeout_ms":999999}'
is "$FP_STATUS" 400 "a timeout over 30 s is refused"
fp "$B_URL" nosuchverb
is "$FP_STATUS" 404 "an unknown verb: 404"
like "$(jq -r 'select(.dir == "in") | .type' "$B_LOG" | sort -u | tr '\n' ' ')" "Create .*Follow .*Like .*Undo" \
	"the log file has one JSON line per received activity"

# -- cleanup ------------------------------------------------------------------------------------
pids=("$A_PID" "$B_PID")
fedpeer_stop_all
alive=0
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
is "$alive" 0 "both peers stopped"
done_testing

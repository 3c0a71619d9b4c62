#!/usr/bin/env bash
# t4210-fed-social.sh - people of another server (the Fedify peer) acting
# on local content: a Like of alice's post is a like by fan@host (count 1,
# alice's notification names @fan@host and links to the peer's profile),
# the same Like again or another Like of the same post counts once, its
# Undo (embedded or by id) takes it back, a Like in someone else's name is
# refused (401), and so is anything from an account suspended here. A
# reply is a comment by @fan@host on the post page and in the API, without
# the leading @mention of alice; a reply to bob's comment answers it; a
# reply with a word of the site's filter is refused as a local comment is;
# a reply or a Like from someone alice blocked, a reply over the comment
# rate limit, a direct (not public) reply and a Note attributed to another
# actor are refused; Update edits the
# comment (the filter again), an Update or Delete by another actor is
# refused, Delete removes it; an Announce changes nothing; Delete of an
# actor takes their comments and likes and bans the account. The followers
# collection's pages list the remote follower, and the Mastodon API's
# followers_count counts it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../fedpeer/lib.sh"

if ! command -v node >/dev/null || [[ ! -d $FEDPEER_DIR/node_modules/@fedify/fedify ]]; then
	echo "1..0 # skip node or tests/fedpeer/node_modules missing (tools/deps.sh test)"
	exit 0
fi
seed=$((RANDOM * 7 + 421000))
HOST="${IMAGIER_URL#http://}"
AP='application/activity+json'
CTX='"@context":"https://www.w3.org/ns/activitystreams"'

alice="$(uniq_name fsa)"
new_user "$alice"
alice_tok=$TOKEN
alice_id=$USER_ID
ALICE="$IMAGIER_URL/u/$alice"
bob="$(uniq_name fsb)"
new_user "$bob"
bob_tok=$TOKEN
bob_id=$USER_ID

TOKEN=$alice_tok
upload "$(image jpeg 640 400 $((seed + 1)))" "a lighthouse in snow"
post=$(json .post.id)
is "$STATUS" 201 "alice posts a picture"
POST="$IMAGIER_URL/p/$post"

fedpeer_start P:fan Q:other || {
	echo "Bail out! the peers did not start"
	exit 1
}
FAN="fan@127.0.0.1:$P_PORT"
OTHER="other@127.0.0.1:$Q_PORT"

likes_of() { sql "SELECT like_count, (SELECT COUNT(*) FROM likes WHERE post_id = $1) FROM posts WHERE id = $1"; }
comments_of() { sql "SELECT comment_count, (SELECT COUNT(*) FROM comments WHERE post_id = $1 AND deleted = 0) FROM posts WHERE id = $1"; }
# the state imagier-gen left the inbox row of activity id $1 in
row_state() { sql "SELECT state FROM ap_inbox WHERE ref = UNHEX(SHA2('$1', 256))"; }
handled() { local s; s=$(row_state "$1"); [[ -n $s && $s != new ]]; }
raw() { fp "$1" raw "{\"inbox\":\"$IMAGIER_URL/inbox\",\"activity\":$2}"; }

# ---- Like, its repeats, Undo ---------------------------------------------------------
fp "$P_URL" like "{\"object\":\"$POST\"}"
is "$FP_STATUS" 200 "the peer likes alice's post (delivered to alice)"
like_id="$(fpj .activity.id)"
ok "$(wait_until 20 handled "$like_id"; echo $?)" "imagier-gen handles the Like"
is "$(likes_of "$post")" "1	1" "like_count 1, one like row"
fan_uid=$(sql "SELECT id FROM users WHERE username = '$FAN'")
like "$fan_uid" '^[0-9]+$' "the liker is an account named $FAN"
is "$(sql "SELECT CONCAT(kind, ' ', local_id) FROM ap_objects WHERE uri = '$like_id'")" "like $post" \
	"the Like's id is kept (for its Undo)"
api GET /api/v1/notifications
is "$(json '.items[0].kind')/$(json '.items[0].actor')" "like/$FAN" \
	"alice is told: a like by $FAN"
is "$(json '.items[0].actor_url')/$(json '.items[0].actor_remote')" "$P_ACTOR/true" \
	"... linked to the peer's profile, marked remote"
req GET /notifications -H "Authorization: Bearer $alice_tok"
like "$BODY" "href=\"$P_ACTOR\"[^>]*>@$FAN</a>" "the notifications page shows @$FAN linked to its profile"

raw "$P_URL" "{$CTX,\"id\":\"$P_ACTOR/likes/again\",\"type\":\"Like\",\"actor\":\"$P_ACTOR\",\"object\":\"$POST\"}"
is "$(fpj .status)" 202 "another Like of the same post is taken"
ok "$(wait_until 20 handled "$P_ACTOR/likes/again"; echo $?)" "... and handled"
is "$(likes_of "$post")" "1	1" "... still one like"
raw "$P_URL" "{$CTX,\"id\":\"$P_ACTOR/likes/again\",\"type\":\"Like\",\"actor\":\"$P_ACTOR\",\"object\":\"$POST\"}"
is "$(fpj .status)/$(likes_of "$post")" "202/1	1" "the same Like again: one like"
is "$(sql "SELECT COUNT(*) FROM notifications WHERE user_id = $alice_id AND kind = 'like'")" 1 \
	"one notification"

fp "$P_URL" raw "{\"inbox\":\"$IMAGIER_URL/inbox\",\"activity\":{$CTX,\"id\":\"$P_ACTOR/likes/forged\",\"type\":\"Like\",\"actor\":\"$Q_ACTOR\",\"object\":\"$POST\"}}"
is "$(fpj .status)" 401 "a Like in another actor's name (signed by the peer): 401"
is "$(sql "SELECT COUNT(*) FROM ap_inbox WHERE ref = UNHEX(SHA2('$P_ACTOR/likes/forged', 256))")/$(likes_of "$post")" \
	"0/1	1" "... not stored, no like"

fp "$P_URL" undo "{\"id\":\"$like_id\"}"
is "$FP_STATUS" 200 "the peer undoes its Like"
undo_id="$(fpj .activity.id)"
ok "$(wait_until 20 handled "$undo_id"; echo $?)" "imagier-gen handles the Undo"
is "$(row_state "$undo_id")/$(likes_of "$post")" "done/0	0" "the like is gone, like_count 0"
is "$(sql "SELECT COUNT(*) FROM ap_objects WHERE kind = 'like' AND local_id = $post")" 0 \
	"... and the Likes' ids with it"

raw "$P_URL" "{$CTX,\"id\":\"$P_ACTOR/likes/3\",\"type\":\"Like\",\"actor\":\"$P_ACTOR\",\"object\":\"$POST\"}"
ok "$(wait_until 20 handled "$P_ACTOR/likes/3"; echo $?)" "a Like again"
is "$(likes_of "$post")" "1	1" "... one like"
raw "$P_URL" "{$CTX,\"id\":\"$P_ACTOR/undo/3\",\"type\":\"Undo\",\"actor\":\"$P_ACTOR\",\"object\":\"$P_ACTOR/likes/3\"}"
ok "$(wait_until 20 handled "$P_ACTOR/undo/3"; echo $?)" "its Undo by the Like's id alone"
is "$(row_state "$P_ACTOR/undo/3")/$(likes_of "$post")" "done/0	0" "... takes it back"

# ---- a reply: a comment by @fan@host ------------------------------------------------
mention="<span class=\\\"h-card\\\"><a href=\\\"$ALICE\\\" class=\\\"u-url mention\\\">@<span>$alice</span></a></span>"
fp "$P_URL" reply "{\"object\":\"$POST\",\"content\":\"<p>$mention what a lighthouse &amp; <b>snow</b></p>\"}"
is "$FP_STATUS" 200 "the peer replies to alice's post"
reply1="$(fpj .post)"
create1="$(fpj .activity.id)"
ok "$(wait_until 20 handled "$create1"; echo $?)" "imagier-gen handles the Create"
cid=$(sql "SELECT local_id FROM ap_objects WHERE uri = '$reply1' AND kind = 'comment'")
like "$cid" '^[0-9]+$' "the reply is comment $cid"
is "$(comments_of "$post")" "1	1" "comment_count 1"
req GET "/api/v1/posts/$post/comments"
is "$(json '.items[0].author.username')/$(json '.items[0].author.remote')/$(json '.items[0].author.url')" \
	"$FAN/true/$P_ACTOR" "the API shows the comment by $FAN, remote, linked to the peer's profile"
is "$(json '.items[0].text')" "what a lighthouse & snow" \
	"its text is the Note's as plain text, without the leading @mention of alice"
req GET "/p/$post"
like "$BODY" "href=\"$P_ACTOR\" rel=\"nofollow ugc\">@$FAN</a>" "the post page shows @$FAN linked to its profile"
like "$BODY" "what a lighthouse &amp; snow" "... with the text, escaped"
TOKEN=$alice_tok
api GET /api/v1/notifications
is "$(json '.items[0].kind')/$(json '.items[0].actor')/$(json '.items[0].comment')" \
	"comment/$FAN/what a lighthouse & snow" "alice is told of the comment"
api GET "/api/v1/accounts/$fan_uid"
is "$STATUS/$(json .acct)/$(json .username)/$(json .url)" "200/$FAN/fan/$P_ACTOR" \
	"the Mastodon API's account: acct $FAN, its profile URL"

# a reply to bob's comment (its id {base}/p/ID#comment-CID) answers it
TOKEN=$bob_tok
api POST "/api/v1/posts/$post/comments" '{"text":"I was there"}'
bob_cid=$(json .comment.id)
is "$STATUS" 201 "bob comments on the post"
raw "$P_URL" "{$CTX,\"id\":\"$P_ACTOR/posts/r2#create\",\"type\":\"Create\",\"actor\":\"$P_ACTOR\",\"object\":{\"id\":\"$P_ACTOR/posts/r2\",\"type\":\"Note\",\"attributedTo\":\"$P_ACTOR\",\"inReplyTo\":\"$POST#comment-$bob_cid\",\"content\":\"<p>@$bob@$HOST so was I</p>\",\"to\":[\"https://www.w3.org/ns/activitystreams#Public\"]}}"
is "$(fpj .status)" 202 "the peer replies to bob's comment"
ok "$(wait_until 20 handled "$P_ACTOR/posts/r2#create"; echo $?)" "... handled"
is "$(sql "SELECT CONCAT(IFNULL(parent_id, 0), ' ', text) FROM comments WHERE id = (SELECT local_id FROM ap_objects WHERE uri = '$P_ACTOR/posts/r2')")" \
	"$bob_cid so was I" "a reply to bob's comment, without the mention of bob"
is "$(sql "SELECT COUNT(*) FROM notifications WHERE user_id = $bob_id AND kind = 'reply' AND actor_id = $fan_uid")" 1 \
	"bob is told of the reply"

before="$(comments_of "$post")"
raw "$P_URL" "{$CTX,\"id\":\"$P_ACTOR/posts/r3#create\",\"type\":\"Create\",\"actor\":\"$P_ACTOR\",\"object\":{\"id\":\"$P_ACTOR/posts/r3\",\"type\":\"Note\",\"attributedTo\":\"$P_ACTOR\",\"inReplyTo\":\"$POST\",\"content\":\"<p>just for you</p>\",\"to\":[\"$ALICE\"]}}"
ok "$(wait_until 20 handled "$P_ACTOR/posts/r3#create"; echo $?)" "a direct (not public) reply to the post: handled"
is "$(row_state "$P_ACTOR/posts/r3#create")/$(comments_of "$post")" "ignored/$before" \
	"refused: a comment here is public"
raw "$P_URL" "{$CTX,\"id\":\"$P_ACTOR/posts/r4#create\",\"type\":\"Create\",\"actor\":\"$P_ACTOR\",\"object\":{\"id\":\"$P_ACTOR/posts/r4\",\"type\":\"Note\",\"attributedTo\":\"$Q_ACTOR\",\"inReplyTo\":\"$POST\",\"content\":\"<p>said by other</p>\",\"to\":[\"as:Public\"]}}"
ok "$(wait_until 20 handled "$P_ACTOR/posts/r4#create"; echo $?)" "a reply whose Note is attributed to someone else: handled"
is "$(row_state "$P_ACTOR/posts/r4#create")/$(comments_of "$post")" "ignored/$before" \
	"refused: the Note is not the actor's"

# ---- the word filter, as for a local comment --------------------------------------
admin=$(admin_token)
word="quorbel$RANDOM"
req PUT /api/v1/admin/filters -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
	--data "{\"words\":\"$word\"}"
is "$STATUS" 200 "the admin adds a word to the site's filter"
TOKEN=$bob_tok
api POST "/api/v1/posts/$post/comments" "{\"text\":\"a $word here\"}"
is "$STATUS/$(json .error.code)" 400/blocked_word "a local comment with it is refused"
before="$(comments_of "$post")"
fp "$P_URL" reply "{\"object\":\"$POST\",\"content\":\"<p>$mention buy a ${word}s</p>\"}"
create_bad="$(fpj .activity.id)"
ok "$(wait_until 20 handled "$create_bad"; echo $?)" "the peer replies with it (a plural): handled"
is "$(row_state "$create_bad")/$(comments_of "$post")" "ignored/$before" "refused: no comment"
is "$(sql "SELECT COUNT(*) FROM ap_objects WHERE uri = '$(fpj .post)'")" 0 "... nothing kept of it"

# ---- Update and Delete of the reply ----------------------------------------------------
fp "$P_URL" update "{\"id\":\"$reply1\",\"content\":\"<p>$mention edited: a fine lighthouse</p>\"}"
is "$FP_STATUS" 200 "the peer edits its reply"
upd="$(fpj .activity.id)"
ok "$(wait_until 20 handled "$upd"; echo $?)" "... handled"
is "$(sql "SELECT text FROM comments WHERE id = $cid")" "edited: a fine lighthouse" "the comment's text is replaced"
fp "$P_URL" update "{\"id\":\"$reply1\",\"content\":\"<p>now with $word</p>\"}"
upd2="$(fpj .activity.id)"
ok "$(wait_until 20 handled "$upd2"; echo $?)" "an edit with the filtered word: handled"
is "$(row_state "$upd2")/$(sql "SELECT text FROM comments WHERE id = $cid")" \
	"ignored/edited: a fine lighthouse" "... refused, the text stays"
req PUT /api/v1/admin/filters -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
	--data '{"words":""}'

# ---- the comment rate limit, counted on the remote account ------------------------------
win=$(($(date +%s) / 3600))
rl="imagier:rl:comment:u:$fan_uid"
like "$(mc_get "$rl:$win")$(mc_get "$rl:$((win - 1))")" '^[1-9]' \
	"the peer's replies counted in its account's comment limit"
mc_set "$rl:$win" 100000000 600
mc_set "$rl:$((win - 1))" 100000000 600
before="$(comments_of "$post")"
fp "$P_URL" reply "{\"object\":\"$POST\",\"content\":\"<p>one too many</p>\"}"
create_rl="$(fpj .activity.id)"
ok "$(wait_until 20 handled "$create_rl"; echo $?)" "a reply over the limit: handled"
is "$(row_state "$create_rl")/$(comments_of "$post")" "ignored/$before" "refused: no comment"
mc_delete "$rl:$win" "$rl:$((win - 1))"

raw "$Q_URL" "{$CTX,\"id\":\"$Q_ACTOR/u1\",\"type\":\"Update\",\"actor\":\"$Q_ACTOR\",\"object\":{\"id\":\"$reply1\",\"type\":\"Note\",\"attributedTo\":\"$Q_ACTOR\",\"content\":\"hijacked\"}}"
is "$(fpj .status)" 202 "another peer sends an Update of fan's reply (signed as itself)"
ok "$(wait_until 20 handled "$Q_ACTOR/u1"; echo $?)" "... handled"
is "$(row_state "$Q_ACTOR/u1")/$(sql "SELECT text FROM comments WHERE id = $cid")" \
	"ignored/edited: a fine lighthouse" "refused: not its comment"
raw "$Q_URL" "{$CTX,\"id\":\"$Q_ACTOR/d1\",\"type\":\"Delete\",\"actor\":\"$Q_ACTOR\",\"object\":{\"id\":\"$reply1\",\"type\":\"Tombstone\"}}"
ok "$(wait_until 20 handled "$Q_ACTOR/d1"; echo $?)" "... and a Delete of it"
is "$(row_state "$Q_ACTOR/d1")/$(sql "SELECT deleted FROM comments WHERE id = $cid")" "ignored/0" \
	"refused: the comment stays"

before=$(sql "SELECT comment_count FROM posts WHERE id = $post")
fp "$P_URL" delete "{\"id\":\"$reply1\"}"
is "$FP_STATUS" 200 "the peer deletes its reply"
del="$(fpj .activity.id)"
ok "$(wait_until 20 handled "$del"; echo $?)" "... handled"
is "$(sql "SELECT deleted FROM comments WHERE id = $cid")/$(sql "SELECT comment_count FROM posts WHERE id = $post")" \
	"1/$((before - 1))" "the comment is deleted, comment_count one less"
req GET "/api/v1/posts/$post/comments"
unlike "$BODY" "fine lighthouse" "the API no longer shows it"

# ---- blocks ------------------------------------------------------------------------------
call PUT "/api/v1/users/$FAN/block" "$alice_tok"
is "$STATUS" 200 "alice blocks $FAN"
before="$(comments_of "$post")"
fp "$P_URL" reply "{\"object\":\"$POST\",\"content\":\"<p>hello again</p>\"}"
create_b="$(fpj .activity.id)"
ok "$(wait_until 20 handled "$create_b"; echo $?)" "the blocked peer replies: handled"
is "$(row_state "$create_b")/$(comments_of "$post")" "ignored/$before" "refused: no comment"
fp "$P_URL" like "{\"object\":\"$POST\"}"
like_b="$(fpj .activity.id)"
ok "$(wait_until 20 handled "$like_b"; echo $?)" "the blocked peer likes the post: handled"
is "$(row_state "$like_b")/$(likes_of "$post")" "ignored/0	0" "refused: no like"
call DELETE "/api/v1/users/$FAN/block" "$alice_tok"
is "$STATUS" 200 "alice unblocks $FAN"

# ---- a remote account the moderators suspended acts no more ------------------------------
call POST /api/v1/admin/actions "$admin" \
	"{\"target_type\":\"user\",\"target_id\":$fan_uid,\"action\":\"suspend\",\"duration\":\"1h\",\"reason\":\"test\"}"
is "$STATUS" 200 "a moderator suspends $FAN"
fp "$P_URL" like "{\"object\":\"$POST\"}"
like_s="$(fpj .activity.id)"
ok "$(wait_until 20 handled "$like_s"; echo $?)" "the suspended peer likes the post: handled"
is "$(row_state "$like_s")/$(likes_of "$post")" "ignored/0	0" "refused: no like"
call POST /api/v1/admin/actions "$admin" \
	"{\"target_type\":\"user\",\"target_id\":$fan_uid,\"action\":\"unsuspend\",\"reason\":\"test\"}"
is "$STATUS" 200 "... and lifts the suspension"

# ---- Announce ------------------------------------------------------------------------------
fp "$P_URL" announce "{\"object\":\"$POST\"}"
ann="$(fpj .activity.id)"
ok "$(wait_until 20 handled "$ann"; echo $?)" "the peer boosts the post: handled"
is "$(row_state "$ann")/$(likes_of "$post")" "ignored/0	0" "not acted on (imagier has no boosts)"

# ---- the followers collection, the Mastodon API's count ---------------------------------
fp "$P_URL" follow "{\"acct\":\"$alice@$HOST\"}"
fp "$P_URL" wait "{\"type\":\"Accept\",\"actor\":\"$ALICE\",\"timeout_ms\":20000}"
is "$FP_STATUS" 200 "the peer follows alice"
TOKEN=$bob_tok
api PUT "/api/v1/users/$alice/follow"
is "$STATUS" 200 "bob follows alice"
req GET "/u/$alice/followers" -H "Accept: $AP"
is "$(json .totalItems)" 2 "alice's followers collection counts both"
req GET "/u/$alice/followers?page=true" -H "Accept: $AP"
is "$(jsonc .orderedItems)" "[\"$P_ACTOR\",\"$IMAGIER_URL/u/$bob\"]" "its page lists the peer and bob"
api GET "/api/v1/accounts/$alice_id"
is "$(json .followers_count)" 2 "the Mastodon API's followers_count counts the remote follower"

# ---- Delete of an actor ------------------------------------------------------------------
fp "$Q_URL" like "{\"object\":\"$POST\"}"
qlike="$(fpj .activity.id)"
fp "$Q_URL" reply "{\"object\":\"$POST\",\"content\":\"<p>bye</p>\"}"
qcreate="$(fpj .activity.id)"
ok "$(wait_until 20 handled "$qcreate"; echo $?)" "the second peer likes and replies"
q_uid=$(sql "SELECT id FROM users WHERE username = '$OTHER'")
is "$(likes_of "$post")/$(sql "SELECT COUNT(*) FROM comments WHERE user_id = $q_uid AND deleted = 0")" \
	"1	1/1" "... a like and a comment by $OTHER"
TOKEN=$bob_tok
api PUT "/api/v1/users/$OTHER/follow"
is "$STATUS/$(json .requested)" 200/true "bob follows $OTHER (requested)"
q_followed() { [[ $(sql "SELECT COUNT(*) FROM follows WHERE follower_id = (SELECT id FROM users WHERE username = '$bob') AND followee_id = $q_uid") == 1 ]]; }
ok "$(wait_until 20 q_followed; echo $?)" "... and its Accept makes the follow"
raw "$Q_URL" "{$CTX,\"id\":\"$Q_ACTOR#delete\",\"type\":\"Delete\",\"actor\":\"$Q_ACTOR\",\"object\":\"$Q_ACTOR\"}"
is "$(fpj .status)" 202 "the second peer's actor is deleted (Delete of itself)"
ok "$(wait_until 20 handled "$Q_ACTOR#delete"; echo $?)" "... handled"
is "$(likes_of "$post")/$(sql "SELECT COUNT(*) FROM comments WHERE user_id = $q_uid AND deleted = 0")" \
	"0	0/0" "its like and comment are gone"
is "$(sql "SELECT banned_at IS NOT NULL FROM users WHERE id = $q_uid")" 1 "its account is banned (kept, never reused)"
is "$(sql "SELECT COUNT(*) FROM follows WHERE followee_id = $q_uid")/$(sql "SELECT COUNT(*) FROM ap_follows_out f JOIN ap_actors a ON a.id = f.actor_id WHERE a.uri = '$Q_ACTOR'")/$(sql "SELECT follower_count FROM users WHERE id = $q_uid")" \
	"0/0/0" "bob no longer follows it (the follow, the request and the count are gone)"
is "$(sql "SELECT COUNT(*) FROM ap_objects WHERE actor_id = (SELECT id FROM ap_actors WHERE uri = '$Q_ACTOR')")" 0 \
	"its objects' ids are gone"

done_testing

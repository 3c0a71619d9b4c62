#!/usr/bin/env bash
# t4220-fed-follow.sh - people here following people of another server (the
# Fedify peer, tests/fedpeer/): bob finds the peer's actor by its handle
# (WebFinger), follows it (a signed Follow; "requested" until the Accept,
# then a follows row with both counts), sees its picture posts in his
# following feed with the provenance line ("Not labelled as AI-generated
# by HOST", or "AI-generated (per HOST)" when the attachment says
# trainedAlgorithmicMedia) and never in latest, search or top; likes one
# (Like, then Undo), comments (Create of a Note inReplyTo it, then
# Delete); an Update changes the caption, a Delete removes the post; a
# decompression bomb (a small PNG claiming 50000x50000) is refused leaving
# nothing behind; unfollowing sends Undo(Follow); a Reject leaves no follow.
# carol does the same through the Mastodon API (lookup, search with
# resolve=true, follow, the remote post in her home timeline). The page of
# a person not known yet is looked up on their server for someone logged in.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../fedpeer/lib.sh"

if ! command -v node >/dev/null || [[ ! -d $FEDPEER_DIR/node_modules/@fedify/fedify ]]; then
	echo "1..0 # skip node or tests/fedpeer/node_modules missing (tools/deps.sh test)"
	exit 0
fi
seed=$((RANDOM * 7 + 422000))
AS='https://www.w3.org/ns/activitystreams'

bob="$(uniq_name fol)"
new_user "$bob"
bob_tok=$TOKEN
bob_id=$USER_ID
BOB="$IMAGIER_URL/u/$bob"
carol="$(uniq_name fol)"
new_user "$carol"
carol_tok=$TOKEN

fedpeer_start P:artist Q:painter || {
	echo "Bail out! the peers did not start"
	exit 1
}
RNAME="artist@127.0.0.1:$P_PORT"
TOKEN=$bob_tok

# ---- finding the remote person -------------------------------------------------------
api GET "/api/v1/lookup?acct=@$P_HANDLE"
is "$STATUS/$(json .user.username)" "200/$RNAME" "bob looks up @$P_HANDLE: found by WebFinger"
rid=$(json .user.id)
is "$(json .user.remote.domain)/$(json .user.remote.actor)" "127.0.0.1:$P_PORT/$P_ACTOR" \
	"a person of the peer's server, its actor"
is "$(json .user.remote.name)" "Fedify test peer artist" "with the name their server gives"
like "$(json .user.bio)" "^A test peer" "and their bio as plain text"
is "$(sql "SELECT domain FROM users WHERE id = $rid")" "127.0.0.1:$P_PORT" "a users row of that domain"
api GET "/api/v1/lookup?acct=nobody$RANDOM@127.0.0.1:$P_PORT"
is "$STATUS/$(json .error.code)" 404/not_found "someone the peer does not know: 404"
api GET "/api/v1/lookup?acct=not%20a%20handle"
is "$STATUS/$(json .error.code)" 404/not_found "a name that is no one: 404"
api GET "/api/v1/lookup?acct=x@bad%2Fhost"
is "$STATUS/$(json .error.code)" 400/bad_handle "a handle with a bad host: 400"
req GET "/api/v1/lookup?acct=$RNAME"
is "$STATUS" 401 "looking up needs a login"

jar="$TMP/bob.jar"
login_jar "$bob" "$jar"
req GET "/search?q=%40$RNAME" -b "$jar"
is "$STATUS/$(header location)" "303//u/$RNAME" "the search box takes @name@host to the profile"
req GET "/u/$RNAME" -b "$jar"
is "$STATUS" 200 "the remote profile page /u/$RNAME"
like "$BODY" "@$RNAME</h1>" "shows @name@host"
like "$BODY" "Fedify test peer artist · a person of 127.0.0.1:$P_PORT" "their name and server"
like "$BODY" "href=\"$P_ACTOR\"" "a link to their real profile"
like "$BODY" 'name="follow" value="1"' "a follow button"
unlike "$BODY" 'feed.atom' "no feed of someone else's posts"
req GET "/u/$RNAME/feed.atom"
is "$STATUS" 404 "nor at the feed's address"

# ---- Follow -> Accept ------------------------------------------------------------------
api PUT "/api/v1/users/$RNAME/follow"
is "$STATUS/$(json .following)/$(json .requested)" 200/false/true "bob follows: requested"
fp "$P_URL" wait "{\"type\":\"Follow\",\"actor\":\"$BOB\",\"timeout_ms\":20000}"
is "$FP_STATUS/$(fpj .entry.verified)/$(fpj .entry.http_signature.valid)" 200/true/true \
	"the peer receives bob's Follow, signed"
is "$(fpj .entry.http_signature.key_id)/$(fpj .entry.activity.object)" "$BOB#main-key/$P_ACTOR" \
	"with bob's key, of its actor"
follow_uri=$(fpj .entry.id)
accepted() { [[ $(sql "SELECT COUNT(*) FROM follows WHERE follower_id = $bob_id AND followee_id = $rid") == 1 ]]; }
ok "$(wait_until 20 accepted; echo $?)" "the peer's Accept makes the follow"
is "$(sql "SELECT state FROM ap_follows_out WHERE follow_uri = '$follow_uri'")" accepted \
	"the Follow sent is accepted"
is "$(sql "SELECT CONCAT(following_count, '/', (SELECT follower_count FROM users WHERE id = $rid)) FROM users WHERE id = $bob_id")" \
	"1/1" "bob follows one, the peer's person has one follower"
api PUT "/api/v1/users/$RNAME/follow"
is "$STATUS/$(json .following)/$(json .changed)" 200/true/false "following again changes nothing"
fp "$P_URL" whoami
is "$(fpj '.followers | index("'"$BOB"'") != null')" true "the peer counts bob among its followers"
req GET "/u/$RNAME" -b "$jar"
like "$BODY" "Following ✓" "the profile says following"

# ---- a picture post from the peer --------------------------------------------------------
b64() { base64 -w0 "$1"; }
fp "$P_URL" file "{\"name\":\"pic.png\",\"media_type\":\"image/png\",\"base64\":\"$(b64 "$(image png 320 200 $((seed + 1)))")\"}"
is "$FP_STATUS" 200 "the peer serves a picture"
pic_url=$(fpj .url)
fp "$P_URL" post "{\"content\":\"<p>From the <b>fediverse</b> &amp; back</p>\",\"image\":\"$pic_url\",\"media_type\":\"image/png\",\"image_name\":\"Cranes at dawn & <mist>\"}"
is "$FP_STATUS/$(fpj '.failed | length')" 200/0 "the peer posts it to its followers"
note=$(fpj .post)
rpost_of() { sql "SELECT o.local_id FROM ap_objects o WHERE o.uri = '$1' AND o.kind = 'post'"; }
has_post() { [[ -n $(rpost_of "$1") ]]; }
ok "$(wait_until 30 has_post "$note"; echo $?)" "the Note becomes a post here"
rpost=$(rpost_of "$note")
is "$(sql "SELECT CONCAT(user_id, '/', remote, '/', training_consent, '/', caption) FROM posts WHERE id = $rpost")" \
	"$rid/1/no/From the fediverse & back" "by the remote person, remote, no consent, caption as plain text"
isnt "$(sql "SELECT COUNT(*) FROM media_files f JOIN posts p ON p.image_id = f.image_id WHERE p.id = $rpost")" 0 \
	"its picture's files are stored"
in_feed() { [[ $(feed_has "$bob_tok" "kind=following" "$rpost") == yes ]]; }
ok "$(wait_until 20 in_feed; echo $?)" "it is in bob's following feed"
req GET "/api/v1/feed?kind=following" -H "Authorization: Bearer $bob_tok"
is "$(json ".items[] | select(.id == $rpost) | .remote.provenance")" \
	"Not labelled as AI-generated by 127.0.0.1:$P_PORT" "with the provenance line"
is "$(json ".items[] | select(.id == $rpost) | .remote.url")/$(json ".items[] | select(.id == $rpost) | .ai_generated")" \
	"$note/false" "a link to the original; not said to be AI-generated"
is "$(json ".items[] | select(.id == $rpost) | .author.username")" "$RNAME" "by @name@host"
is "$(json ".items[] | select(.id == $rpost) | .alt")" "Cranes at dawn & <mist>" \
	"its picture's description (the attachment's name) is its alt text"
is "$(feed_has "$bob_tok" "kind=latest" "$rpost")" no "not in latest"
is "$(feed_has "$bob_tok" "kind=top" "$rpost")" no "not in top"
req GET "/api/v1/search?q=fediverse"
is "$(json "[.posts[].id] | index($rpost)")" null "not in search"
req GET "/api/v1/timelines/public" -H "Authorization: Bearer $carol_tok"
is "$(json "[.[].id] | index(\"$rpost\")")" null "not in the public timeline"
req GET /following -b "$jar"
like "$BODY" "Not labelled as AI-generated by 127.0.0.1:$P_PORT" "the following page shows the provenance line"
like "$BODY" "href=\"$note\"" "and the link to the original"
like "$BODY" 'alt="Cranes at dawn &amp; &lt;mist&gt;"' "... the card's picture has its description as alt, escaped"
req GET "/p/$rpost" -b "$jar"
is "$STATUS" 200 "the remote post's page"
like "$BODY" "Not labelled as AI-generated by 127.0.0.1:$P_PORT · <a href=\"$note\"" \
	"says where it is from and links the original"
unlike "$BODY" 'class="ai-label"' "no AI label of ours on it"
req GET "/p/$rpost" -H "Accept: application/activity+json"
is "$STATUS" 404 "no ActivityPub face: it is its server's Note, not ours"
req GET "/oembed?url=$IMAGIER_URL/p/$rpost"
is "$STATUS" 404 "no oEmbed of it either"
req GET "/u/$RNAME" -b "$jar"
like "$BODY" "id=\"post-$rpost\"" "the remote profile lists the post"
like "$BODY" 'class="avatar placeholder" aria-hidden="true">[a-z]</span>' \
	"... and its avatar placeholder is the name's first letter, not the clipped handle"
# a Like sent to our copy of a remote post: that post's likes are its server's
fp "$P_URL" raw "{\"inbox\":\"$IMAGIER_URL/inbox\",\"activity\":{\"@context\":\"$AS\",\"id\":\"$P_ACTOR/likes/copy-$seed\",\"type\":\"Like\",\"actor\":\"$P_ACTOR\",\"object\":\"$IMAGIER_URL/p/$rpost\"}}"
is "$(fpj .status)" 202 "a Like of our copy of a remote post is taken in"
copy_like_done() { [[ $(sql "SELECT state FROM ap_inbox WHERE body LIKE '%likes/copy-$seed%'") == ignored ]]; }
ok "$(wait_until 20 copy_like_done; echo $?)" "... and left alone (ignored)"
is "$(sql "SELECT like_count FROM posts WHERE id = $rpost")" 0 "... the copy counts no like"
api GET "/api/v1/statuses/$rpost"
is "$(json ".media_attachments[0].description")" "Cranes at dawn & <mist>" \
	"the Mastodon API: a remote picture's description is its attachment's description"

handled() { [[ $(sql "SELECT COUNT(*) FROM ap_inbox WHERE type = 'Create' AND state <> 'new' AND body LIKE '%$1%'") -ge 1 ]]; }

# an AI-labelled Note (digitalSourceType on the attachment)
fp "$P_URL" file "{\"name\":\"ai.png\",\"media_type\":\"image/png\",\"base64\":\"$(b64 "$(image png 256 256 $((seed + 2)))")\"}"
ai_note="$P_ACTOR/posts/ai-$seed"
ai_act="{\"@context\":\"$AS\",\"id\":\"$ai_note#create\",\"type\":\"Create\",\"actor\":\"$P_ACTOR\",\"to\":[\"$AS#Public\"],\"object\":{\"id\":\"$ai_note\",\"type\":\"Note\",\"attributedTo\":\"$P_ACTOR\",\"content\":\"<p>made by a model</p>\",\"summary\":\"spiders\",\"imagier:prompt\":\"a spider <web>\",\"to\":[\"$AS#Public\"],\"attachment\":[{\"type\":\"Document\",\"mediaType\":\"image/png\",\"url\":\"$P_URL/files/ai.png\",\"digitalSourceType\":\"http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia\"}]}}"
fp "$P_URL" raw "{\"inbox\":\"$IMAGIER_URL/inbox\",\"activity\":$ai_act}"
is "$(fpj .status)" 202 "an AI-labelled Note is taken"
ok "$(wait_until 30 has_post "$ai_note"; echo $?)" "and becomes a post"
aipost=$(rpost_of "$ai_note")
api GET "/api/v1/posts/$aipost"
is "$(json .post.remote.provenance)/$(json .post.ai_generated)" "AI-generated (per 127.0.0.1:$P_PORT)/true" \
	"its provenance line: AI-generated, per the peer"
is "$(json .post.prompt)/$(json .post.content_warning)" "a spider <web>/spiders" \
	"its prompt (imagier:prompt) and content warning (summary)"
is "$(json .post.alt)" "made by a model" "a picture without a description: its caption is the alt text"

# a Note of someone nobody here follows is not taken
stranger_act="${ai_act//ai-$seed/ai2-$seed}"
stranger_act="${stranger_act//$P_ACTOR\/posts/$IMAGIER_URL\/elsewhere}"
fp "$P_URL" raw "{\"inbox\":\"$IMAGIER_URL/inbox\",\"activity\":$stranger_act}"
is "$(fpj .status)" 202 "a Note whose id is on another server is taken by the inbox"
ok "$(wait_until 30 handled "ai2-$seed"; echo $?)" "... and handled"
is "$(sql "SELECT COUNT(*) FROM ap_objects WHERE uri LIKE '%ai2-$seed'")" 0 \
	"a Note whose id is not on its author's server is not taken"

# ---- a decompression bomb ----------------------------------------------------------------
python3 - "$TMP/bomb.png" <<'PY'
import struct, sys, zlib
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
ihdr = struct.pack(">IIBBBBB", 50000, 50000, 8, 2, 0, 0, 0)
data = zlib.compress(b"\0" * 150001 * 64, 9)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b""))
PY
fp "$P_URL" file "{\"name\":\"bomb.png\",\"media_type\":\"image/png\",\"base64\":\"$(b64 "$TMP/bomb.png")\"}"
files_before=$(count_media)
posts_before=$(sql "SELECT COUNT(*) FROM posts")
images_before=$(sql "SELECT COUNT(*) FROM images")
fp "$P_URL" post "{\"content\":\"<p>boom</p>\",\"image\":\"$P_URL/files/bomb.png\",\"media_type\":\"image/png\"}"
bomb=$(fpj .post)
ok "$(wait_until 30 handled "$bomb"; echo $?)" "the Note with a 50000x50000 PNG is handled"
is "$(sql "SELECT state FROM ap_inbox WHERE type = 'Create' AND body LIKE '%$bomb%'")" ignored \
	"and refused (the activity marked ignored)"
is "$(sql "SELECT COUNT(*) FROM posts")/$(sql "SELECT COUNT(*) FROM images")/$(count_media)" \
	"$posts_before/$images_before/$files_before" "no post, no image row, no file left behind"
is "$(sql "SELECT COUNT(*) FROM ap_objects WHERE uri = '$bomb'")" 0 "nor any object row"
like "$(gen_log)" "the picture of $bomb refused \(413\)" "imagier-gen says why (413: too many pixels)"

# ---- like, comment ------------------------------------------------------------------------
api PUT "/api/v1/posts/$rpost/like"
is "$STATUS/$(json .liked_by_me)" 200/true "bob likes the remote post"
fp "$P_URL" wait "{\"type\":\"Like\",\"actor\":\"$BOB\",\"timeout_ms\":20000}"
is "$FP_STATUS/$(fpj .entry.verified)/$(fpj .entry.object)" "200/true/$note" \
	"the peer receives bob's Like of its Note, verified"
like_id=$(fpj .entry.id)
api DELETE "/api/v1/posts/$rpost/like"
is "$STATUS/$(json .liked_by_me)" 200/false "bob unlikes it"
fp "$P_URL" wait "{\"type\":\"Undo\",\"actor\":\"$BOB\",\"object\":\"$like_id\",\"timeout_ms\":20000}"
is "$FP_STATUS/$(fpj .entry.verified)/$(fpj .entry.activity.object.type)" "200/true/Like" \
	"the peer receives the Undo of that Like"

api POST "/api/v1/posts/$rpost/comments" '{"text":"Lovely <3"}'
is "$STATUS" 201 "bob comments on it"
cid=$(json .comment.id)
fp "$P_URL" wait "{\"type\":\"Create\",\"actor\":\"$BOB\",\"object_type\":\"Note\",\"timeout_ms\":20000}"
is "$FP_STATUS/$(fpj .entry.verified)" 200/true "the peer receives a Create of a Note, verified"
is "$(fpj .entry.activity.object.id)" "$IMAGIER_URL/p/$rpost#c$cid" "its id: {base}/p/{post}#c{comment}"
is "$(fpj .entry.activity.object.inReplyTo)" "$note" "in reply to the peer's Note"
is "$(fpj .entry.activity.object.content)" "<p>Lovely &lt;3</p>" "its text escaped"
api DELETE "/api/v1/comments/$cid"
is "$STATUS" 200 "bob deletes the comment"
fp "$P_URL" wait "{\"type\":\"Delete\",\"actor\":\"$BOB\",\"object\":\"$IMAGIER_URL/p/$rpost#c$cid\",\"timeout_ms\":20000}"
is "$FP_STATUS/$(fpj .entry.verified)" 200/true "the peer receives its Delete"

# ---- Update and Delete from the peer -------------------------------------------------------
fp "$P_URL" update "{\"id\":\"$note\",\"content\":\"<p>Changed words</p>\"}"
is "$FP_STATUS" 200 "the peer updates its Note"
updated() { [[ $(sql "SELECT caption FROM posts WHERE id = $rpost") == "Changed words" ]]; }
ok "$(wait_until 20 updated; echo $?)" "the caption follows"
fp "$P_URL" delete "{\"id\":\"$note\"}"
is "$FP_STATUS" 200 "the peer deletes its Note"
gone() { [[ $(sql "SELECT COUNT(*) FROM posts WHERE id = $rpost") == 0 ]]; }
ok "$(wait_until 20 gone; echo $?)" "the post is gone"
api GET "/api/v1/posts/$rpost"
is "$STATUS" 404 "its page answers 404"
is "$(sql "SELECT COUNT(*) FROM ap_objects WHERE uri = '$note'")" 0 "and its object row"

# ---- unfollow -----------------------------------------------------------------------------
api DELETE "/api/v1/users/$RNAME/follow"
is "$STATUS/$(json .following)/$(json .requested)" 200/false/false "bob unfollows"
fp "$P_URL" wait "{\"type\":\"Undo\",\"actor\":\"$BOB\",\"object_type\":\"Follow\",\"timeout_ms\":20000}"
is "$FP_STATUS/$(fpj .entry.verified)/$(fpj .entry.activity.object.id)" "200/true/$follow_uri" \
	"the peer receives Undo(Follow) of bob's Follow"
is "$(sql "SELECT COUNT(*) FROM follows WHERE follower_id = $bob_id AND followee_id = $rid")/$(sql "SELECT COUNT(*) FROM ap_follows_out WHERE user_id = $bob_id")" \
	"0/0" "no follow left"
is "$(sql "SELECT CONCAT(following_count, '/', (SELECT follower_count FROM users WHERE id = $rid)) FROM users WHERE id = $bob_id")" \
	"0/0" "both counts back to 0"

# ---- a Reject ------------------------------------------------------------------------------
fp "$P_URL" mode '{"follow":"manual"}'
api PUT "/api/v1/users/$RNAME/follow"
is "$STATUS/$(json .requested)" 200/true "bob asks again"
pending() { fp "$P_URL" whoami; [[ $(fpj '.pending_follows | index("'"$BOB"'") != null') == true ]]; }
ok "$(wait_until 20 pending; echo $?)" "the peer holds bob's Follow unanswered"
req GET "/u/$RNAME" -b "$jar"
like "$BODY" '>Requested</button>' "the profile says requested"
api GET "/api/v1/users/$RNAME"
is "$(json .user.follow_requested)/$(json .user.followed_by_me)" true/false "so does the API"
fp "$P_URL" reject "{\"actor\":\"$BOB\"}"
is "$FP_STATUS" 200 "the peer rejects it"
rejected() { [[ $(sql "SELECT COUNT(*) FROM ap_follows_out WHERE user_id = $bob_id") == 0 ]]; }
ok "$(wait_until 20 rejected; echo $?)" "the peer's Reject removes the request"
is "$(sql "SELECT COUNT(*) FROM follows WHERE follower_id = $bob_id AND followee_id = $rid")" 0 \
	"and no follow was made"
fp "$P_URL" mode '{"follow":"accept"}'

# ---- the Mastodon API: lookup, search with resolve, follow -----------------------------------
TOKEN=$carol_tok
api GET "/api/v1/accounts/lookup?acct=$P_HANDLE"
is "$STATUS/$(json .acct)/$(json .username)/$(json .id)" "200/$RNAME/artist/$rid" \
	"Mastodon's lookup finds name@host"
api GET "/api/v2/search?q=%40$P_HANDLE&resolve=true"
is "$STATUS/$(json '.accounts[0].acct')" "200/$RNAME" "search with resolve=true finds it"
api POST "/api/v1/accounts/$rid/follow"
is "$STATUS/$(json .following)/$(json .requested)" 200/false/true \
	"following through the Mastodon API: requested"
fp "$P_URL" wait "{\"type\":\"Follow\",\"actor\":\"$IMAGIER_URL/u/$carol\",\"timeout_ms\":20000}"
is "$FP_STATUS/$(fpj .entry.verified)" 200/true "the peer receives carol's Follow"
carol_follows() { [[ $(sql "SELECT COUNT(*) FROM follows f JOIN users u ON u.id = f.follower_id WHERE u.username = '$carol' AND f.followee_id = $rid") == 1 ]]; }
ok "$(wait_until 20 carol_follows; echo $?)" "accepted: carol follows"
api GET "/api/v1/accounts/relationships?id[]=$rid"
is "$(json '.[0].following')/$(json '.[0].requested')" true/false "her relationship says following"
api GET "/api/v1/timelines/home"
is "$(json ".[] | select(.id == \"$aipost\") | .url")" "$ai_note" \
	"the remote post is in her home timeline, its url the original"
like "$(json ".[] | select(.id == \"$aipost\") | .content")" "AI-generated \(per 127\.0\.0\.1:$P_PORT\)" \
	"its content says whose label it is"
is "$(json ".[] | select(.id == \"$aipost\") | .account.acct")" "$RNAME" "by name@host"

# a profile page of someone not known yet: looked up for a person logged in
req GET "/u/painter@127.0.0.1:$Q_PORT"
is "$STATUS" 404 "anonymous: nobody known by that name"
req GET "/u/painter@127.0.0.1:$Q_PORT" -b "$jar"
is "$STATUS" 200 "logged in: looked up on its server, the page is there"
like "$BODY" "Fedify test peer painter" "with the name their server gives"

done_testing

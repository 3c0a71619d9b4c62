#!/usr/bin/env bash
# t4300-two-instances.sh - two imagier instances federating with each other
# (issue 14): A is the stack under test, B a second whole instance on
# another loopback port (tests/integration/second_lib.sh). alice is on A, bob
# on B. Every step is checked on both sides, through their APIs, pages and
# databases: bob follows alice@A from B (Follow, Accept: B shows the
# follow); alice posts a picture and it reaches bob's following feed on B
# with the provenance line; bob likes it (A counts the like and tells
# alice) and comments on it (A shows the comment by @bob@B); alice remixes
# it and the remix reaches B linked to its parent, bob remixes it on B and
# A shows his remix in the post's lineage; alice deletes a post and it is
# gone on B; A's admin defederates B: B's next activity is refused (403),
# bob's comment and like are hidden on A, and come back when the block is
# lifted; a remix across a person's block is not taken.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/second_lib.sh"

seed=$((RANDOM * 7 + 430000))
two_start
AP='application/activity+json'
# how long a step may take to cross over (a delivery, the other side's
# inbox step, its fan-out): imagier-gen polls every 0.4 s when idle
T=${T4300_WAIT:-30}

# ---- the two people --------------------------------------------------------------
on_a
alice="$(uniq_name al)"
new_user "$alice"
alice_tok=$TOKEN
alice_id=$USER_ID
on_b
bob="$(uniq_name bo)"
new_user "$bob"
bob_tok=$TOKEN
bob_id=$USER_ID
BOB="$B_URL/u/$bob"
isnt "$A_URL" "$B_URL" "two instances on two ports ($A_HOST and $B_HOST)"
req GET "/.well-known/webfinger?resource=acct:$bob@$B_HOST"
is "$STATUS/$(json '.links[] | select(.rel == "self") | .href')" "200/$BOB" "B answers WebFinger for bob@$B_HOST"
on_a
req GET "/.well-known/webfinger?resource=acct:$bob@$B_HOST"
is "$STATUS" 404 "... and A does not (each has its own people and database)"

# a_sql / b_sql QUERY: a query in A's or B's database, whichever is current
a_sql() { (on_a && sql "$1"); }
b_sql() { (on_b && sql "$1"); }
# the users row each side keeps for the other's person ("name@host")
alice_on_b() { b_sql "SELECT id FROM users WHERE username = '$alice@$A_HOST' AND domain = '$A_HOST'"; }
bob_on_a() { a_sql "SELECT id FROM users WHERE username = '$bob@$B_HOST' AND domain = '$B_HOST'"; }
# present ID: a step's id was found (what is checked on it afterwards would
# pass for nothing otherwise)
present() { [[ -n $1 && $1 != 0 && $1 != null ]]; }
# post_on_b ID: B's row for A's post ID (the remote post it became)
post_on_b() { b_sql "SELECT local_id FROM ap_objects WHERE kind = 'post' AND uri = '$A_URL/p/$1'"; }

# ---- bob follows alice@A from B -----------------------------------------------------
on_b
TOKEN=$bob_tok
api PUT "/api/v1/users/$alice@$A_HOST/follow"
is "$STATUS" 200 "bob follows @$alice@$A_HOST through B's API"
a_has_follower() { [[ $(a_sql "SELECT COUNT(*) FROM ap_followers f JOIN ap_actors a ON a.id = f.actor_id WHERE f.user_id = $alice_id AND a.uri = '$BOB'") == 1 ]]; }
ok "$(wait_until "$T" a_has_follower; echo $?)" "A takes B's Follow: bob is alice's remote follower"
is "$(a_sql "SELECT state FROM ap_inbox WHERE type = 'Follow' AND actor_id = (SELECT id FROM ap_actors WHERE uri = '$BOB')")" \
	"done" "... the Follow handled by A's imagier-gen"
on_a
req GET "/u/$alice/followers" -H "Accept: $AP"
is "$STATUS/$(json .totalItems)" 200/1 "A: alice's followers collection counts bob"
b_accepted() { [[ $(b_sql "SELECT COUNT(*) FROM follows WHERE follower_id = $bob_id AND followee_id = '$(alice_on_b)'") == 1 ]]; }
ok "$(wait_until "$T" b_accepted; echo $?)" "A's Accept reaches B: bob follows alice's account there"
is "$(b_sql "SELECT state FROM ap_follows_out WHERE user_id = $bob_id")" accepted "... B's Follow is accepted"
on_b
api GET "/api/v1/users/$alice@$A_HOST"
is "$STATUS/$(json .user.followed_by_me)" 200/true "B's API shows bob following @$alice@$A_HOST"
api GET "/api/v1/users/$bob"
is "$(json .user.following_count)" 1 "... and bob's following count is 1"

# ---- alice posts: the picture reaches bob's following feed on B ------------------------
on_a
TOKEN=$alice_tok
upload "$(image jpeg 640 400 $((seed + 1)))" "a lighthouse in snow" -F "caption=from A with love"
post1=$(json .post.id)
is "$STATUS" 201 "alice posts a picture on A"
t0=$EPOCHREALTIME
b_has_post1() { [[ -n $(post_on_b "$post1") ]]; }
ok "$(wait_until "$T" b_has_post1; echo $?)" "B takes the Create: alice's post is a remote post there"
b1=$(post_on_b "$post1")
in_feed() { [[ $(on_b && feed_has "$bob_tok" kind=following "$1") == yes ]]; }
ok "$(wait_until "$T" in_feed "${b1:-0}"; echo $?)" "... and it is in bob's following feed on B"
echo "# upload on A to bob's feed on B: $(bc <<<"$EPOCHREALTIME - $t0") s"
on_b
req GET "/api/v1/feed?kind=following" -H "Authorization: Bearer $bob_tok"
is "$(json ".items[] | select(.id == ${b1:-0}) | .author.username")" "$alice@$A_HOST" \
	"B's feed names its author @$alice@$A_HOST"
is "$(json ".items[] | select(.id == ${b1:-0}) | .prompt")" "a lighthouse in snow" "... with its prompt"
is "$(b_sql "SELECT remote FROM posts WHERE id = ${b1:-0}")" 1 "B keeps it as a remote post"
ok "$(present "$b1" && [[ $(feed_has "$bob_tok" kind=latest "$b1") == no ]]; echo $?)" "... never in B's latest feed"
login_jar "$bob" "$TMP/bob.jar"
req GET /following -b "$TMP/bob.jar"
like "$BODY" "AI-generated \(per $A_HOST\)" "B's following page shows the provenance line (per $A_HOST)"
like "$BODY" "$A_URL/p/$post1" "... and links the original on A"

# ---- bob likes it on B: A counts the like and tells alice -------------------------------
on_b
TOKEN=$bob_tok
api PUT "/api/v1/posts/${b1:-0}/like"
is "$STATUS/$(json .like_count)" 200/1 "bob likes it on B"
a_likes() { on_a && req GET "/api/v1/posts/$post1" && [[ $(json .post.like_count) == "$1" ]]; }
wait_until "$T" a_likes 1
liked_rc=$?
ok "$liked_rc" "A takes B's Like: the post's like_count is 1 on A"
is "$(a_sql "SELECT COUNT(*) FROM likes WHERE post_id = $post1 AND user_id = '$(bob_on_a)'")" 1 \
	"... liked by bob's account on A (@$bob@$B_HOST)"
on_a
TOKEN=$alice_tok
api GET /api/v1/notifications
is "$(json "[.items[] | select(.kind == \"like\" and .post_id == $post1)] | length")" 1 \
	"alice is notified of the like on A"
like "$(json "[.items[] | select(.kind == \"like\")][0] | tostring")" "$bob@$B_HOST" \
	"... by @$bob@$B_HOST"

# ---- bob comments on B: A shows the comment by @bob@B -----------------------------------
on_b
TOKEN=$bob_tok
api POST "/api/v1/posts/${b1:-0}/comments" '{"text":"hello from B"}'
is "$STATUS" 201 "bob comments on it on B"
a_comment() { on_a && req GET "/api/v1/posts/$post1/comments" && [[ $(json '.items | length') -ge 1 ]]; }
ok "$(wait_until "$T" a_comment; echo $?)" "A takes B's reply: the post has a comment on A"
on_a
req GET "/api/v1/posts/$post1/comments"
is "$(json '.items[0].author.username')/$(json '.items[0].text')" "$bob@$B_HOST/hello from B" \
	"A's API: the comment is bob's (@$bob@$B_HOST), with its text"
comment_a=$(json '.items[0].id')
page_shows() { on_a && req GET "/p/$post1" && [[ $BODY == *"hello from B"* ]]; }
wait_until "$T" page_shows
req GET "/p/$post1"
like "$BODY" "@$bob@$B_HOST" "A's post page shows the comment by @$bob@$B_HOST"
like "$BODY" "hello from B" "... with its text"
TOKEN=$alice_tok
api GET /api/v1/notifications
is "$(json "[.items[] | select(.kind == \"comment\" and .post_id == $post1)] | length")" 1 \
	"alice is notified of the comment on A"

# ---- alice remixes it: the remix reaches B, linked to its parent ------------------------
on_a
TOKEN=$alice_tok
api POST "/api/v1/posts/$post1/remix" '{"prompt":"a lighthouse in a snowstorm"}'
is "$STATUS" 202 "alice remixes her post on A"
gen=$(json .generation.id)
gen_done() { api GET "/api/v1/generations/$gen" && [[ $(json .generation.status) == succeeded ]]; }
ok "$(wait_until 60 gen_done; echo $?)" "... A's imagier-gen makes the picture"
api POST "/api/v1/generations/$gen/publish" '{"caption":"a remix"}'
remix=$(json .post.id)
is "$STATUS/$(json .post.parent_id)" "201/$post1" "alice publishes the remix of post $post1"
req GET "/p/$remix" -H "Accept: $AP"
is "$(json '."imagier:remixOf"')" "$A_URL/p/$post1" "A's Note of the remix names its parent (imagier:remixOf)"
b_has_remix() { [[ -n $(post_on_b "$remix") ]]; }
ok "$(wait_until "$T" b_has_remix; echo $?)" "B takes the remix's Create"
b2=$(post_on_b "$remix")
ok "$(wait_until "$T" in_feed "${b2:-0}"; echo $?)" "... and it is in bob's following feed on B"
on_b
req GET "/p/${b2:-0}"
is "$STATUS" 200 "B's page of the remix"
if [[ $BODY =~ href=\"(/p/${b1:-0}|$A_URL/p/$post1)\" ]]; then
	pass "... links to its parent (${BASH_REMATCH[1]})"
else
	fail "... links to its parent" "no link to /p/${b1:-0} or $A_URL/p/$post1 on B's page"
fi
req GET "/api/v1/posts/${b2:-0}"
is "$(json .post.parent_id)" "${b1:-0}" "B's API: the remix's parent is B's copy of alice's post"

# ---- bob remixes alice's post on B: A shows it in the post's lineage ----------------------
on_b
TOKEN=$bob_tok
api POST "/api/v1/posts/${b1:-0}/remix" '{"prompt":"a lighthouse at dawn"}'
is "$STATUS" 202 "bob remixes B's copy of alice's post"
gen=$(json .generation.id)
ok "$(wait_until 60 gen_done; echo $?)" "... B's imagier-gen makes the picture"
api POST "/api/v1/generations/$gen/publish" '{"caption":"my take"}'
bremix=$(json .post.id)
is "$STATUS/$(json .post.parent_id)" "201/${b1:-0}" "bob publishes it on B, a remix of B's copy"
req GET "/p/${bremix:-0}" -H "Accept: $AP"
is "$(json '."imagier:remixOf"')" "$A_URL/p/$post1" "B's Note of it names the parent by its id on A"
a_remix_of_bob() { a_sql "SELECT o.local_id FROM ap_objects o JOIN posts p ON p.id = o.local_id WHERE o.uri = '$B_URL/p/${bremix:-0}' AND p.parent_id = $post1"; }
a_has_bremix() { [[ -n $(a_remix_of_bob) ]]; }
ok "$(wait_until "$T" a_has_bremix; echo $?)" "A takes bob's remix (cc'd to alice's server): a remote post, a remix of post $post1"
on_a
req GET "/api/v1/posts/$post1/lineage"
is "$(json "[.descendants[].post.author] | index(\"$bob@$B_HOST\") != null")" true \
	"A's lineage of alice's post lists bob's remix by @$bob@$B_HOST"
is "$(a_sql "SELECT remix_count FROM posts WHERE id = $post1")" 2 "... her post counts two remixes (hers and bob's)"
a_remixes() { on_a && call GET "/api/v1/posts/$post1" "$alice_tok" && [[ $(json .post.remix_count) == 2 ]]; }
ok "$(wait_until "$T" a_remixes; echo $?)" "... and A's API says so"
TOKEN=$alice_tok
api GET /api/v1/notifications
is "$(json "[.items[] | select(.kind == \"remix\" and .post_id == $post1)] | length")" 1 \
	"alice is notified of bob's remix on A"

# ---- alice deletes a post: gone on B ----------------------------------------------------
on_a
TOKEN=$alice_tok
upload "$(image jpeg 480 320 $((seed + 2)))" "a kite over dunes"
post3=$(json .post.id)
is "$STATUS" 201 "alice posts another picture"
b_has_post3() { [[ -n $(post_on_b "$post3") ]]; }
ok "$(wait_until "$T" b_has_post3; echo $?)" "... it reaches B"
b3=$(post_on_b "$post3")
ok "$(wait_until "$T" in_feed "${b3:-0}"; echo $?)" "... and bob's following feed"
on_a
call DELETE "/api/v1/statuses/$post3" "$alice_tok"
is "$STATUS" 200 "alice deletes it on A"
b_gone() { [[ $(b_sql "SELECT COUNT(*) FROM posts WHERE id = ${b3:-0}") == 0 ]]; }
ok "$(present "$b3" && wait_until "$T" b_gone; echo $?)" "B takes the Delete: the post is gone there"
on_b
req GET "/api/v1/posts/${b3:-0}"
ok "$(present "$b3" && [[ $STATUS == 404 || $STATUS == 410 ]]; echo $?)" "B's API answers $STATUS for it"
ok "$(present "$b3" && [[ $(feed_has "$bob_tok" kind=following "$b3") == no ]]; echo $?)" \
	"... and bob's following feed no longer has it"
ok "$(present "$b3" && [[ $(b_sql "SELECT COUNT(*) FROM ap_objects WHERE uri = '$A_URL/p/$post3'") == 0 ]]; echo $?)" \
	"... nor B's map of remote objects"

# ---- A's admin defederates B ------------------------------------------------------------
on_a
admin=$(admin_token)
call POST /api/v1/admin/federation "$admin" "{\"action\":\"block\",\"domain\":\"$B_HOST\",\"reason\":\"t4300: two instances\"}"
is "$STATUS/$(json .blocked.domain)" "200/$B_HOST" "A's admin defederates $B_HOST"
blocked_rc=1
[[ $STATUS == 200 ]] && blocked_rc=0
is "$(a_sql "SELECT COUNT(*) FROM ap_domain_blocks WHERE domain = '$B_HOST'")" 1 "... A lists the host as blocked"
call GET "/api/v1/admin/audit?target_type=domain" "$admin"
like "$(jsonc .items)" "$B_HOST" "... in A's audit log"
ok "$( ((liked_rc == 0)) && wait_until "$T" a_likes 0; echo $?)" "A takes bob's like out of the post's count"
req GET "/api/v1/posts/$post1/comments"
ok "$(present "$comment_a" && [[ $(json "[.items[] | select(.id == $comment_a and .deleted == false and .removed == false)] | length") == 0 ]]; echo $?)" \
	"A hides bob's comment"
# (the page is microcached for 5 s: the next copy leaves it out)
page_hides() { on_a && req GET "/p/$post1" && [[ $STATUS == 200 && $BODY != *"hello from B"* ]]; }
ok "$(present "$comment_a" && wait_until "$T" page_hides; echo $?)" "... the post page on A no longer shows it"
# bob's next activity: the Like of the remix, refused by A's inbox
on_b
TOKEN=$bob_tok
api PUT "/api/v1/posts/${b2:-0}/like"
is "$STATUS" 200 "bob likes the remix on B"
refused() { (on_b && gen_log) | grep -q "to $A_URL/.*dropped: HTTP 403"; }
wait_until "$T" refused
refused_rc=$?
ok "$refused_rc" "A refuses B's delivery with 403 (B drops it)"
ok "$( ((refused_rc == 0)) && [[ $(a_sql "SELECT COUNT(*) FROM likes WHERE post_id = $remix") == 0 ]]; echo $?)" \
	"A has no like of the remix"

# ---- and lifts the block: what it hid comes back -------------------------------------
on_a
call POST /api/v1/admin/federation "$admin" "{\"action\":\"unblock\",\"domain\":\"$B_HOST\",\"reason\":\"t4300: made up\"}"
is "$STATUS/$(json .unblocked.domain)" "200/$B_HOST" "A's admin lifts the block"
a_comment_back() { on_a && req GET "/api/v1/posts/$post1/comments" && [[ $(json ".items[] | select(.id == $comment_a) | .text") == "hello from B" ]]; }
ok "$( ((blocked_rc == 0)) && present "$comment_a" && wait_until "$T" a_comment_back; echo $?)" \
	"bob's comment shows on A again"
ok "$( ((blocked_rc == 0 && liked_rc == 0)) && wait_until "$T" a_likes 1; echo $?)" "... and his like counts again"
grep -q "POST /inbox.* 403 \|POST /u/$alice/inbox.* 403 " "$A_VAR/log/access.log"
ok "$?" "A's access log shows the 403"

# ---- a remix across a block is not taken into the family ------------------------------
on_a
TOKEN=$alice_tok
api PUT "/api/v1/users/$bob@$B_HOST/block"
is "$STATUS" 200 "alice blocks @$bob@$B_HOST on A"
on_b
TOKEN=$bob_tok
api POST "/api/v1/posts/${b1:-0}/remix" '{"prompt":"a lighthouse at dusk"}'
gen=$(json .generation.id)
wait_until 60 gen_done
api POST "/api/v1/generations/$gen/publish" '{}'
bremix2=$(json .post.id)
is "$STATUS" 201 "bob publishes another remix of alice's post on B"
handled() { [[ $(a_sql "SELECT state FROM ap_inbox WHERE ref = UNHEX(SHA2('$B_URL/p/${bremix2:-0}#create', 256))") =~ ^(done|ignored)$ ]]; }
wait_until "$T" handled
handled_rc=$?
ok "$handled_rc" "A's imagier-gen handles its Create"
ok "$( ((handled_rc == 0)) && [[ -z $(a_sql "SELECT id FROM ap_objects WHERE uri = '$B_URL/p/${bremix2:-0}'") ]]; echo $?)" \
	"... and takes no remix across the block (nobody on A follows bob)"
is "$(a_sql "SELECT remix_count FROM posts WHERE id = $post1")" 2 "alice's post still counts two remixes"

done_testing

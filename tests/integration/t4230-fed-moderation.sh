#!/usr/bin/env bash
# t4230-fed-moderation.sh - moderating federation with the Fedify peer
# (docs/FEDERATION.md "Moderation"): a moderator defederates the peer's
# host; its activities are refused (403) before any key fetch, the queued
# deliveries to it go and none is made, its people's posts, comments and
# likes here are hidden, and the audit log says who and why; the unblock
# restores exactly that. A remote person gets no role, and a banned one's
# activities are taken and ignored. A flood from one host gets 429 with
# Retry-After before its key is fetched. Hostile bodies (deep nesting, an
# object that is a number, an actor that is a list, a huge "to") get 400 and
# store nothing. With [federation] allow_private = no the key fetch and the
# deliveries refuse loopback. Erasing an account sends Delete of its actor,
# signed with its key, which the peer fetches (the tombstone serves it) and
# accepts; handled inbox rows older than 30 days are swept.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../fedpeer/lib.sh"

if ! command -v node >/dev/null || [[ ! -d $FEDPEER_DIR/node_modules/@fedify/fedify ]]; then
	echo "1..0 # skip node or tests/fedpeer/node_modules missing (tools/deps.sh test)"
	exit 0
fi
seed=$((RANDOM * 7 + 423000))
HOST="${IMAGIER_URL#http://}"
AP='application/activity+json'
STACK="$(dirname "$0")/../../tools/stack.sh"

alice="$(uniq_name fm)"
new_user "$alice"
alice_tok=$TOKEN
alice_id=$USER_ID
ALICE="$IMAGIER_URL/u/$alice"
modname="$(uniq_name fmmod)"
new_user "$modname"
sql "UPDATE users SET role = 'moderator' WHERE id = $USER_ID"
sign_in "$modname"
mod=$TOKEN
admin=$(admin_token)

fedpeer_start P:fan Q:other R:stranger E:eraser S:limited || {
	echo "Bail out! the peers did not start"
	exit 1
}
PHOST="127.0.0.1:$P_PORT"
inbox_rows() { sql "SELECT COUNT(*) FROM ap_inbox"; }
like_act() { echo "{\"@context\":\"https://www.w3.org/ns/activitystreams\",\"id\":\"$1/likes/$2\",\"type\":\"Like\",\"actor\":\"$1\",\"object\":\"$IMAGIER_URL/p/$3\"}"; }

# ---- the peers follow alice ---------------------------------------------------------
for peer in P Q; do
	url_var="${peer}_URL"
	fp "${!url_var}" follow "{\"acct\":\"$alice@$HOST\"}"
	fp "${!url_var}" wait "{\"type\":\"Accept\",\"actor\":\"$ALICE\",\"timeout_ms\":20000}"
	is "$FP_STATUS" 200 "peer $peer follows alice"
done
TOKEN=$alice_tok
upload "$(image jpeg 320 200 $((seed + 1)))" "a quiet harbour"
post=$(json .post.id)
fp "$P_URL" wait "{\"type\":\"Create\",\"object\":\"$IMAGIER_URL/p/$post\",\"timeout_ms\":20000}"
is "$FP_STATUS" 200 "alice's post reaches the peer before any block"

# the peer's person as an account here, with a post, a comment and a like
# (as the inbox makes them for a remote person: users.domain, posts.remote)
p_actor_id=$(sql "SELECT id FROM ap_actors WHERE uri = '$P_ACTOR'")
sql "INSERT INTO users (username, domain, password_hash, created_at) VALUES ('fan@$PHOST', '$PHOST', '', UNIX_TIMESTAMP())"
fan_id=$(sql "SELECT id FROM users WHERE username = 'fan@$PHOST'")
sql "UPDATE ap_actors SET user_id = $fan_id WHERE id = $p_actor_id"
sql "INSERT INTO posts (user_id, image_id, prompt, caption, created_at, remote) SELECT $fan_id, image_id, 'from afar', '', UNIX_TIMESTAMP(), 1 FROM posts WHERE id = $post"
fan_post=$(sql "SELECT id FROM posts WHERE user_id = $fan_id")
sql "INSERT INTO comments (post_id, user_id, text, created_at) VALUES ($post, $fan_id, 'lovely', UNIX_TIMESTAMP())"
fan_comment=$(sql "SELECT id FROM comments WHERE user_id = $fan_id")
sql "INSERT INTO likes (post_id, user_id, created_at) VALUES ($post, $fan_id, UNIX_TIMESTAMP() - 60); UPDATE posts SET like_count = like_count + 1 WHERE id = $post"
likes_of() { sql "SELECT like_count, (SELECT COUNT(*) FROM likes WHERE post_id = $1) FROM posts WHERE id = $1" | tr '\t' /; }
is "$(likes_of "$post")" 1/1 "alice's post has the remote person's like"
# a delivery to the peer's host waiting in the queue (due later)
sql "INSERT INTO ap_deliveries (user_id, inbox, host, activity, next_at, created_at) VALUES ($alice_id, '$P_URL/inbox', '$PHOST', '{}', UNIX_TIMESTAMP() + 3600, UNIX_TIMESTAMP())"

# ---- what a block asks for ------------------------------------------------------------
TOKEN=$alice_tok
api POST /api/v1/admin/federation "{\"action\":\"block\",\"domain\":\"$PHOST\",\"reason\":\"spam\"}"
is "$STATUS" 403 "a person who is not a moderator cannot defederate"
call POST /api/v1/admin/federation "$mod" "{\"action\":\"block\",\"domain\":\"not a host\",\"reason\":\"spam\"}"
is "$STATUS/$(json .error.code)" 400/bad_domain "a name that is no host: 400"
call POST /api/v1/admin/federation "$mod" "{\"action\":\"block\",\"domain\":\"$PHOST\"}"
is "$STATUS/$(json .error.code)" 400/missing_reason "no reason: 400"
call POST /api/v1/admin/federation "$mod" "{\"action\":\"ban\",\"domain\":\"$PHOST\",\"reason\":\"x\"}"
is "$STATUS/$(json .error.code)" 400/bad_action "another action: 400"
is "$(sql "SELECT COUNT(*) FROM ap_domain_blocks")" 0 "nothing refused was stored"

# ---- defederate ------------------------------------------------------------------------
call POST /api/v1/admin/federation "$mod" "{\"action\":\"block\",\"domain\":\"http://$PHOST/users/fan\",\"reason\":\"harassment from there\"}"
is "$STATUS/$(json .blocked.domain)" "200/$PHOST" "a moderator defederates the peer's host (a URL is read for its host)"
is "$(jsonc '[.blocked.people, .blocked.posts, .blocked.comments, .blocked.likes, .blocked.deliveries]')" \
	"[1,1,1,1,1]" "... one person: a post, a comment and a like hidden, a queued delivery dropped"
call POST /api/v1/admin/federation "$mod" "{\"action\":\"block\",\"domain\":\"$PHOST\",\"reason\":\"again\"}"
is "$STATUS/$(json .error.code)" 409/already_blocked "a second block of it: 409"
call GET /api/v1/admin/federation "$mod"
is "$STATUS/$(json '.blocks[0].domain')/$(json '.blocks[0].reason')/$(json '.blocks[0].created_by')" \
	"200/$PHOST/harassment from there/$modname" "the list says what, why and who"
is "$(sql "SELECT mod_state FROM posts WHERE id = $fan_post")/$(sql "SELECT mod_state FROM comments WHERE id = $fan_comment")" \
	hidden/hidden "the remote person's post and comment are hidden"
is "$(likes_of "$post")" 0/0 "... their like is out of the count"
is "$(sql "SELECT COUNT(*) FROM ap_deliveries WHERE host = '$PHOST'")" 0 "the queued delivery to it is gone"
call GET "/api/v1/admin/audit?target_type=domain" "$mod"
is "$(json '.items[0].action')/$(json '.items[0].actor')/$(json '.items[0].reason')" \
	"block_domain/$modname/harassment from there" "the audit log has the block, who and why"
like "$(json '.items[0].detail')" "^$PHOST: 1 people" "... and what it hid"

# its activities: 403 before any key fetch (the cached key is made stale:
# a fetch would renew fetched_at)
sql "UPDATE ap_actors SET fetched_at = 1 WHERE id = $p_actor_id"
before=$(inbox_rows)
fp "$P_URL" raw "{\"inbox\":\"$ALICE/inbox\",\"activity\":$(like_act "$P_ACTOR" 1 "$post")}"
is "$(fpj .status)" 403 "a signed Like from the defederated host: 403"
like "$(fpj .body)" "does not take activities from $PHOST" "... saying so"
fp "$P_URL" follow "{\"acct\":\"$alice@$HOST\"}"
is "$FP_STATUS" 502 "its Follow is refused too"
is "$(sql "SELECT fetched_at FROM ap_actors WHERE id = $p_actor_id")/$(inbox_rows)" "1/$before" \
	"no key was fetched, nothing stored"

# nothing is sent to it: alice's next post reaches Q, not P
TOKEN=$alice_tok
upload "$(image jpeg 320 200 $((seed + 2)))" "a second harbour"
post2=$(json .post.id)
fp "$Q_URL" wait "{\"type\":\"Create\",\"object\":\"$IMAGIER_URL/p/$post2\",\"timeout_ms\":20000}"
is "$FP_STATUS" 200 "alice's new post reaches the other peer"
is "$(sql "SELECT COUNT(*) FROM ap_deliveries WHERE host = '$PHOST'")" 0 "no delivery to the defederated host is queued"
fp "$P_URL" log "{\"type\":\"Create\",\"object\":\"$IMAGIER_URL/p/$post2\"}"
is "$(fpj '.entries | length')" 0 "the defederated peer did not get it"

# ---- remote people: no role; banned, ignored -------------------------------------------
call PATCH "/api/v1/admin/users/fan@$PHOST" "$admin" '{"role":"moderator","reason":"try"}'
is "$STATUS/$(json .error.code)" 409/remote_account "a remote person cannot be made a moderator"
like "$(json .error.message)" "another server" "... with a sentence saying why"
is "$(sql "SELECT role FROM users WHERE id = $fan_id")" user "their role is unchanged"

# ---- the web page ------------------------------------------------------------------------
login_jar "$modname" "$TMP/jar"
req GET /admin/federation -b "$TMP/jar"
is "$STATUS" 200 "the moderator's federation page"
like "$BODY" "$PHOST" "... lists the block"
like "$BODY" "harassment from there" "... with its reason"
like "$BODY" "name=\"domain\" value=\"$PHOST\"" "... and a form to lift it"
unlike "$BODY" 'name="csrf" value=""' "... every form carries the CSRF token"
req POST /admin/federation -b "$TMP/jar" --data-urlencode "csrf=nope" --data-urlencode "action=unblock" \
	--data-urlencode "domain=$PHOST" --data-urlencode "reason=x"
is "$STATUS/$(sql "SELECT COUNT(*) FROM ap_domain_blocks")" 403/1 "a form without its CSRF token changes nothing"
req POST /admin/federation -b "$TMP/jar" --data-urlencode "csrf=$JAR_CSRF" --data-urlencode "action=block" \
	--data-urlencode "domain=not a host" --data-urlencode "reason=x"
is "$STATUS" 400 "a form naming no host is refused"
like "$BODY" "Name a server by its host" "... saying why"
like "$BODY" "name=\"domain\" value=\"$PHOST\"" "... on the page that still lists the blocks"

# ---- unblock ------------------------------------------------------------------------------
req POST /admin/federation -b "$TMP/jar" --data-urlencode "csrf=$JAR_CSRF" --data-urlencode "action=unblock" \
	--data-urlencode "domain=$PHOST" --data-urlencode "reason=they apologised"
is "$STATUS" 303 "the form lifts the block"
req GET "$(rawheader location)" -b "$TMP/jar"
like "$BODY" "The block of $PHOST is lifted" "... and the page it leads to says so"
is "$(sql "SELECT COUNT(*) FROM ap_domain_blocks")" 0 "the block is gone"
is "$(sql "SELECT mod_state FROM posts WHERE id = $fan_post")/$(sql "SELECT mod_state FROM comments WHERE id = $fan_comment")" \
	visible/visible "the post and the comment are back"
is "$(likes_of "$post")" 1/1 "... and the like, counted"
is "$(sql "SELECT COUNT(*) FROM ap_domain_hidden")" 0 "nothing is left remembered"
call GET "/api/v1/admin/audit?target_type=domain" "$mod"
is "$(json '.items[0].action')/$(json '.items[0].actor')/$(json '.items[0].reason')" \
	"unblock_domain/$modname/they apologised" "the audit log has the unblock"
call POST /api/v1/admin/federation "$mod" "{\"action\":\"unblock\",\"domain\":\"$PHOST\",\"reason\":\"x\"}"
is "$STATUS/$(json .error.code)" 404/not_blocked "unblocking what is not blocked: 404"
fp "$P_URL" raw "{\"inbox\":\"$ALICE/inbox\",\"activity\":$(like_act "$P_ACTOR" 2 "$post")}"
is "$(fpj .status)" 202 "the peer's activities are taken again"

# ---- reports of remote content: acted on here ---------------------------------------------
TOKEN=$alice_tok
api POST /api/v1/reports "{\"target_type\":\"post\",\"target_id\":$fan_post,\"reason\":\"spam\"}"
is "$STATUS" 201 "alice reports the remote person's post"
api POST /api/v1/reports "{\"target_type\":\"comment\",\"target_id\":$fan_comment,\"reason\":\"harassment\"}"
is "$STATUS" 201 "... and their comment"
is "$(sql "SELECT COUNT(*) FROM reports WHERE resolved_at IS NULL AND ((target_type = 'post' AND target_id = $fan_post) OR (target_type = 'comment' AND target_id = $fan_comment))")" 2 \
	"both reports are open"
call GET /api/v1/admin/queue "$mod"
like "$BODY" "fan@$PHOST" "the moderators' queue shows them, by the remote person"
deliveries_before=$(sql "SELECT COUNT(*) FROM ap_deliveries")
call POST /api/v1/admin/actions "$mod" "{\"target_type\":\"post\",\"target_id\":$fan_post,\"action\":\"remove\",\"reason\":\"spam\"}"
is "$STATUS/$(json .action.subject)" "200/fan@$PHOST" "a moderator removes it: the subject is the remote person"
call POST /api/v1/admin/actions "$mod" "{\"target_type\":\"comment\",\"target_id\":$fan_comment,\"action\":\"hide\",\"reason\":\"rude\"}"
is "$STATUS" 200 "... and hides the comment"
is "$(sql "SELECT mod_state FROM posts WHERE id = $fan_post")/$(sql "SELECT mod_state FROM comments WHERE id = $fan_comment")" \
	removed/hidden "removed and hidden here"
is "$(sql "SELECT COUNT(*) FROM ap_deliveries")" "$deliveries_before" "nothing is sent for a remote post (it is not ours to delete)"
call GET "/api/v1/admin/audit?subject=fan@$PHOST" "$mod"
is "$(jsonc '[.items[].action] | sort')" '["hide","remove"]' "the audit log shows both, about the remote person"

# banned here: its activities are taken (202) and ignored
call POST /api/v1/admin/actions "$mod" "{\"target_type\":\"user\",\"target_id\":$fan_id,\"action\":\"ban\",\"reason\":\"spam\"}"
is "$STATUS" 200 "a moderator bans the remote person"
fp "$P_URL" raw "{\"inbox\":\"$ALICE/inbox\",\"activity\":$(like_act "$P_ACTOR" 3 "$post")}"
is "$(fpj .status)/$(sql "SELECT state FROM ap_inbox WHERE body LIKE '%$P_ACTOR/likes/3%'")" 202/ignored \
	"a banned remote person's activity: 202, stored as ignored"

# ---- hostile bodies ------------------------------------------------------------------------
# signed with a key of a host that answers nothing: every check before the
# key fetch sees the body
crafted() { # crafted FILE [KEYHOST [curl args]]: POST FILE with a junk signature
	local file=$1 kh=${2:-127.0.0.1:9}
	local digest date
	digest="SHA-256=$(openssl dgst -sha256 -binary <"$file" | base64 -w0)"
	date="$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT')"
	req POST /inbox -H "Content-Type: $AP" -H "Date: $date" -H "Digest: $digest" \
		-H "Signature: keyId=\"http://$kh/actor#main-key\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date digest\",signature=\"AAAA\"" \
		--data-binary "@$file" "${@:3}"
}
before=$(inbox_rows)
{
	printf '{"type":"Like","actor":"http://127.0.0.1:9/actor","object":'
	for _ in $(seq 40); do printf '['; done
	for _ in $(seq 40); do printf ']'; done
	printf '}'
} >"$TMP/deep"
crafted "$TMP/deep"
is "$STATUS/$(json .error.code)" 400/bad_request "a body nested 40 deep: 400"
printf '{"type":"Like","actor":"http://127.0.0.1:9/actor","object":42}' >"$TMP/num"
crafted "$TMP/num"
is "$STATUS/$(json .error.code)" 400/bad_activity "an object that is a number: 400"
like "$(json .error.message)" "object" "... saying what"
printf '{"type":"Like","actor":["http://127.0.0.1:9/actor"],"object":"x"}' >"$TMP/arr"
crafted "$TMP/arr"
is "$STATUS/$(json .error.code)" 400/bad_activity "an actor that is a list: 400"
{
	printf '{"type":"Create","actor":"http://127.0.0.1:9/actor","object":"x","to":['
	for i in $(seq 2000); do printf '"http://127.0.0.1:9/u/%d",' "$i"; done
	printf '"x"]}'
} >"$TMP/to"
crafted "$TMP/to"
is "$STATUS/$(json .error.code)" 400/bad_activity "a \"to\" of 2001 recipients: 400"
printf '{"type":"Like","actor":"http://127.0.0.1:9/actor","object":"x","cc":{"a":1}}' >"$TMP/cc"
crafted "$TMP/cc"
is "$STATUS/$(json .error.code)" 400/bad_activity "a \"cc\" that is an object: 400"
printf '[1,2,3]' >"$TMP/list"
crafted "$TMP/list"
is "$STATUS" 400 "a body that is a list: 400"
is "$(inbox_rows)" "$before" "none of them was stored"

# ---- the per-address and per-host limits ------------------------------------------------------
export IMAGIER_LIMITS_INBOX_PER_MIN_ADDR=3
"$STACK" restart-fcgi >"$TMP/restart.log" 2>&1
is "$?" 0 "the pool restarts with an inbox limit of 3 a minute per address"
printf '{"type":"Like","actor":"http://127.0.0.1:7/actor","object":"x"}' >"$TMP/flood"
codes=""
for _ in 1 2 3 4; do # from an address of its own (the peers send from 127.0.0.1)
	crafted "$TMP/flood" 127.0.0.1:7 --interface 127.0.0.2
	codes+="$STATUS "
done
is "$codes" "401 401 401 429 " "three activities from one address get to the key fetch, the fourth is 429"
is "$(json .error.code)" rate_limited "... rate_limited"
like "$(header retry-after)" '^[0-9]+$' "... with Retry-After"
like "$(json .error.message)" "127.0.0.2 has sent 3" "... naming the address"
export IMAGIER_LIMITS_INBOX_PER_MIN_ADDR=100000 IMAGIER_LIMITS_INBOX_PER_MIN_HOST=2
"$STACK" restart-fcgi >"$TMP/restart.log" 2>&1
is "$?" 0 "the pool restarts with an inbox limit of 2 a minute per signing host"
for _ in 1 2 3 4 5; do
	crafted "$TMP/flood" "127.0.0.1:$S_PORT"
done
is "$STATUS" 401 "requests naming a peer's host with a junk signature: 401"
codes=""
for n in 1 2 3; do
	fp "$S_URL" raw "{\"inbox\":\"$ALICE/inbox\",\"activity\":$(like_act "$S_ACTOR" "limit-$n" "$post")}"
	codes+="$(fpj .status) "
done
is "$codes" "202 202 429 " \
	"... spent none of its allowance: its own two signed activities are taken, the third is 429"
like "$(fpj .body)" "127.0.0.1:$S_PORT has sent 2" "... naming its host"

# ---- fetch slots: a silent server holds one worker, not the pool ---------------------------------
# A server that takes the connection and never answers: the key fetch for a
# keyId there waits its 3 s; meanwhile a second such request is told 503
# busy at once instead of taking another worker.
python3 - "$TMP/silent.port" "$TMP/silent.accepted" <<'PY' &
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
end = time.time() + 30
s.settimeout(1)
while time.time() < end:
    try:
        c, _ = s.accept(); held.append(c); open(sys.argv[2], "a").write("x")
    except socket.timeout:
        pass
PY
silent_pid=$!
has_port() { [[ -s $TMP/silent.port ]]; }
wait_until 10 has_port
SILENT="127.0.0.1:$(cat "$TMP/silent.port")"
(
	TMP=$TMP/bg && mkdir -p "$TMP" # its own body and header files
	crafted "$TMP/../flood" "$SILENT"
	echo "$STATUS" >"$TMP/../first.code"
) &
first=$!
accepted() { [[ -s $TMP/silent.accepted ]]; }
ok "$(wait_until 10 accepted; echo $?)" "a key fetch from a silent server is under way"
crafted "$TMP/flood" "$SILENT"
is "$STATUS/$(json .error.code)" 503/busy "a second one meanwhile: 503 busy, at once"
like "$(header retry-after)" '^[0-9]+$' "... with Retry-After"
wait "$first"
is "$(cat "$TMP/first.code")" 401 "the first is refused once its fetch timed out"
is "$(wc -c <"$TMP/silent.accepted")" 1 "... and no second fetch was started"
kill "$silent_pid" 2>/dev/null
wait "$silent_pid" 2>/dev/null

# ---- allow_private = no ------------------------------------------------------------------------
export IMAGIER_LIMITS_INBOX_PER_MIN_HOST=100000 IMAGIER_FEDERATION_ALLOW_PRIVATE=no
"$STACK" restart-fcgi >"$TMP/restart.log" 2>&1
is "$?" 0 "the pool restarts with [federation] allow_private = no"
fp "$R_URL" raw "{\"inbox\":\"$ALICE/inbox\",\"activity\":$(like_act "$R_ACTOR" 1 "$post")}"
is "$(fpj .status)" 401 "a new actor on loopback: its key is not fetched (401)"
like "$(fpj .body)" "refused to connect to 127.0.0.1" "... the loopback address refused"
is "$(sql "SELECT COUNT(*) FROM ap_actors WHERE uri = '$R_ACTOR'")" 0 "... nothing of it stored"
"$STACK" restart-gen >"$TMP/restart.log" 2>&1
is "$?" 0 "imagier-gen restarts with allow_private = no"
QHOST="127.0.0.1:$Q_PORT"
TOKEN=$alice_tok
upload "$(image jpeg 320 200 $((seed + 3)))" "a third harbour"
q_err() { sql "SELECT IFNULL(last_error, '') FROM ap_deliveries WHERE host = '$QHOST' LIMIT 1"; }
q_failed() { [[ -n $(q_err) ]]; }
ok "$(wait_until 20 q_failed; echo $?)" "the delivery to the loopback peer failed"
like "$(q_err)" "refused to connect to 127.0.0.1" "... refused by the address check"
export IMAGIER_FEDERATION_ALLOW_PRIVATE=yes
"$STACK" restart-fcgi >"$TMP/restart.log" 2>&1
"$STACK" restart-gen >"$TMP/restart.log" 2>&1
sql "UPDATE ap_deliveries SET next_at = 0 WHERE host = '$QHOST'; UPDATE ap_hosts SET failures = 0, open_until = 0"
q_gone() { [[ $(sql "SELECT COUNT(*) FROM ap_deliveries WHERE host = '$QHOST'") == 0 ]]; }
ok "$(wait_until 20 q_gone; echo $?)" "with allow_private = yes again, it is delivered"

# ---- deliveries in parallel -------------------------------------------------------------------------
# a follower whose server takes every POST and answers only when told to
# (or after 9 s): while it holds its request, the other follower's delivery
# of the same post must already be done
cat >"$TMP/slow.py" <<'PY'
import http.server, os, sys, threading, time
state, release = sys.argv[1], sys.argv[2]
threading.Timer(120, os._exit, [0]).start()  # never outlives the test
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length') or 0))
        open(state, 'w').write('open')
        end = time.time() + 9
        while time.time() < end and not os.path.exists(release):
            time.sleep(0.05)
        open(state, 'w').write('answered')
        self.send_response(202); self.send_header('Content-Length', '0'); self.end_headers()
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
coproc SLOW { exec python3 "$TMP/slow.py" "$TMP/slow.state" "$TMP/slow.release"; }
read -r -t 10 slow_port <&"${SLOW[0]}"
carol="$(uniq_name fmcarol)"
new_user "$carol"
carol_tok=$TOKEN
CAROL="$IMAGIER_URL/u/$carol"
# the slow follower first (its row, and so its delivery, comes first: sent
# one after the other, the peer's would wait for it)
sql "INSERT INTO ap_actors (uri, key_id, inbox, domain, public_pem, fetched_at) VALUES ('http://127.0.0.1:$slow_port/slow', 'http://127.0.0.1:$slow_port/slow#k', 'http://127.0.0.1:$slow_port/inbox', '127.0.0.1:$slow_port', 'x', UNIX_TIMESTAMP())"
sql "INSERT INTO ap_followers (user_id, actor_id, created_at) SELECT $USER_ID, id, UNIX_TIMESTAMP() FROM ap_actors WHERE uri = 'http://127.0.0.1:$slow_port/slow'"
fp "$R_URL" follow "{\"acct\":\"$carol@$HOST\"}"
fp "$R_URL" wait "{\"type\":\"Accept\",\"actor\":\"$CAROL\",\"timeout_ms\":20000}"
is "$FP_STATUS" 200 "a peer follows carol"
TOKEN=$carol_tok
upload "$(image jpeg 320 200 $((seed + 4)))" "two at once"
cpost=$(json .post.id)
fp "$R_URL" wait "{\"type\":\"Create\",\"object\":\"$IMAGIER_URL/p/$cpost\",\"timeout_ms\":20000}"
is "$FP_STATUS/$(cat "$TMP/slow.state" 2>/dev/null)" 200/open \
	"the peer has carol's post while the slow server still holds its delivery (sent at once)"
touch "$TMP/slow.release"
slow_done() { [[ $(sql "SELECT COUNT(*) FROM ap_deliveries WHERE host = '127.0.0.1:$slow_port'") == 0 ]]; }
ok "$(wait_until 20 slow_done; echo $?)" "the slow server's delivery is done too"
kill "$SLOW_PID" 2>/dev/null

# ---- erasure: Delete of the actor -----------------------------------------------------------------
bob="$(uniq_name fmbob)"
new_user "$bob"
bob_tok=$TOKEN
bob_id=$USER_ID
BOB="$IMAGIER_URL/u/$bob"
fp "$E_URL" follow "{\"acct\":\"$bob@$HOST\"}"
fp "$E_URL" wait "{\"type\":\"Accept\",\"actor\":\"$BOB\",\"timeout_ms\":20000}"
is "$FP_STATUS" 200 "a peer follows bob"
is "$(sql "SELECT COUNT(*) FROM ap_inbox WHERE INSTR(body, '/u/$bob\"') > 0")" 1 \
	"the peer's Follow of bob is in the inbox, naming him"
call DELETE /api/v1/me "$bob_tok" "{\"password\":\"correct horse $bob\"}"
is "$STATUS" 200 "bob deletes his account"
is "$(sql "SELECT COUNT(*) FROM users WHERE id = $bob_id")" 0 "his users row is gone"
is "$(sql "SELECT COUNT(*) FROM ap_inbox WHERE INSTR(body, '/u/$bob\"') > 0")" 0 \
	"the inbox rows that name him went with the account"
fp "$E_URL" wait "{\"type\":\"Delete\",\"actor\":\"$BOB\",\"timeout_ms\":20000}"
is "$FP_STATUS/$(fpj .entry.object)" "200/$BOB" "the peer receives Delete of bob's actor"
is "$(fpj .entry.verified)/$(fpj .entry.http_signature.valid)" true/true \
	"... and accepts it: the signature verified with the key it fetched"
is "$(fpj .entry.http_signature.key_id)" "$BOB#main-key" "signed with bob's key"
fp "$E_URL" log "{\"type\":\"Delete\",\"refused\":true}"
is "$(fpj '[.entries[] | select(.refused == true)] | length')" 0 "the peer refused nothing"
signed_gone() { [[ $(sql "SELECT COUNT(*) FROM ap_deliveries WHERE key_id IS NOT NULL") == 0 ]]; }
ok "$(wait_until 10 signed_gone; echo $?)" "the delivery row (signed with the key it carried) is done and gone"
req GET "/u/$bob" -H "Accept: $AP"
is "$STATUS/$(json .type)/$(json .publicKey.id)" "200/Person/$BOB#main-key" \
	"while the Delete is delivered, the actor URL serves the key"
is "$(json .name)/$(json .summary)/$(json .outbox)" "null/null/null" "... and nothing else of the profile"
sql "UPDATE ap_tombstones SET key_until = 1 WHERE public_pem IS NOT NULL"
sleep 6 # the microcache's 5 s
req GET "/u/$bob" -H "Accept: $AP"
is "$STATUS/$(json .type)" 410/Tombstone "afterwards it answers 410 with a Tombstone"

# ---- inbox retention ------------------------------------------------------------------------------
sql "INSERT INTO ap_inbox (actor_id, type, body, state, received_at) VALUES ($p_actor_id, 'Like', '{}', 'done', UNIX_TIMESTAMP() - 31 * 86400), ($p_actor_id, 'Like', '{}', 'ignored', UNIX_TIMESTAMP() - 31 * 86400), ($p_actor_id, 'Like', '{}', 'ignored', UNIX_TIMESTAMP() - 29 * 86400)"
"$STACK" restart-gen >"$TMP/restart.log" 2>&1
old_gone() { [[ $(sql "SELECT COUNT(*) FROM ap_inbox WHERE state <> 'new' AND received_at < UNIX_TIMESTAMP() - 30 * 86400") == 0 ]]; }
ok "$(wait_until 20 old_gone; echo $?)" "handled inbox rows older than 30 days are swept"
is "$(sql "SELECT COUNT(*) FROM ap_inbox WHERE received_at < UNIX_TIMESTAMP() - 28 * 86400")" 1 \
	"one 29 days old stays"

done_testing

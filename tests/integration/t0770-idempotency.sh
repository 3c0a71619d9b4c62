#!/usr/bin/env bash
# t0770-idempotency.sh - an Idempotency-Key header on a creating POST
# (posts, comments, generations, reports): a retry with the same key gets the
# first answer (same status, body and Location, marked Idempotent-Replayed)
# and creates nothing; the same key with another body or on another route is
# 422; keys are per person and expire after 24 hours; requests sent at once
# with one key make one post; a request whose worker was killed is safe to
# retry (exactly one post); a key whose creation committed but whose answer
# was never recorded answers 201 with the id and URL.
source "$(dirname "$0")/lib.sh"

posts_named() { sql "SELECT COUNT(*) FROM posts WHERE prompt = '$1'"; }
key() { echo "k-$(uniq_name idem)"; }

new_user "$(uniq_name idem)"
me=$TOKEN
pic="$(image png 320 240 7701)"
p1="idempotent upload $RANDOM"
k1="$(key)"
upload "$pic" "$p1" -H "Idempotency-Key: $k1"
is "$STATUS" 201 "an upload with an Idempotency-Key: 201"
id1="$(json .post.id)"
first_body="$BODY"
first_loc="$(header location)"
is "$first_loc" "/p/$id1" "... with its Location"
is "$(header idempotent-replayed)" "" "... not a replay"
upload "$pic" "$p1" -H "Idempotency-Key: $k1"
is "$STATUS" 201 "the same request again: 201"
is "$(json .post.id)" "$id1" "... the same post"
is "$BODY" "$first_body" "... the very first answer"
is "$(header location)" "$first_loc" "... and Location"
is "$(header idempotent-replayed)" true "... marked Idempotent-Replayed"
is "$(posts_named "$p1")" 1 "only one post was made"

upload "$pic" "$p1 but changed" -H "Idempotency-Key: $k1"
is "$STATUS/$(json .error.code)" 422/idempotency_key_reused "the key with another body: 422 idempotency_key_reused"
is "$(posts_named "$p1 but changed")" 0 "... and nothing is made"
req POST "/api/v1/posts/$id1/comments" -H "Authorization: Bearer $me" -H "Idempotency-Key: $k1" \
	-H 'Content-Type: application/json' --data '{"text":"hi"}'
is "$STATUS" 422 "the key on another route: 422"
upload "$pic" "$p1" -H "Idempotency-Key: $(printf 'x%.0s' $(seq 300))"
is "$STATUS/$(json .error.code)" 400/bad_idempotency_key "a key of 300 characters: 400"
upload "$pic" "$p1" -H "Idempotency-Key: two words"
is "$STATUS" 400 "a key with a space: 400"
upload "$pic" "$p1"
is "$STATUS" 201 "the same upload without a key makes another post"
is "$(posts_named "$p1")" 2 "... (two now)"

new_user "$(uniq_name idem2)"
other=$TOKEN
upload "$pic" "$p1" -H "Idempotency-Key: $k1"
is "$STATUS" 201 "another person's same key is their own"
isnt "$(json .post.id)" "$id1" "... and makes their post"
TOKEN=$me

# ---- comments, generations, reports ---------------------------------------------
kc="$(key)"
for i in 1 2; do
	req POST "/api/v1/posts/$id1/comments" -H "Authorization: Bearer $other" -H "Idempotency-Key: $kc" \
		-H 'Content-Type: application/json' --data '{"text":"only once, please"}'
	cids+=("$STATUS $(json .comment.id)")
done
is "${cids[1]}" "${cids[0]}" "a comment sent twice with a key: the same answer (${cids[0]})"
is "$(sql "SELECT COUNT(*) FROM comments WHERE post_id = $id1 AND text = 'only once, please'")" 1 \
	"... and one comment"
kg="$(key)"
gp="idempotent generation $RANDOM"
for i in 1 2; do
	req POST /api/v1/generations -H "Authorization: Bearer $me" -H "Idempotency-Key: $kg" \
		-H 'Content-Type: application/json' --data "{\"prompt\":\"$gp\",\"backend\":\"procedural\"}"
	gids+=("$STATUS $(json .generation.id)")
done
like "${gids[0]}" '^202 [0-9]+$' "a generation with a key: 202"
is "${gids[1]}" "${gids[0]}" "... sent twice: the same answer"
is "$(sql "SELECT COUNT(*) FROM generations WHERE prompt = '$gp'")" 1 "... and one job"
kr="$(key)"
for i in 1 2; do
	req POST /api/v1/reports -H "Authorization: Bearer $other" -H "Idempotency-Key: $kr" \
		-H 'Content-Type: application/json' --data "{\"target_type\":\"post\",\"target_id\":$id1,\"reason\":\"spam\"}"
	rids+=("$STATUS $(json .report.id)")
done
like "${rids[0]}" '^201 [0-9]+$' "a report with a key: 201"
is "${rids[1]}" "${rids[0]}" "... sent twice: the same answer, not 409"

# ---- at once ----------------------------------------------------------------------
kp="$(key)"
p2="all at once $RANDOM"
big="$TMP/big.png"
"$MKIMAGE" mosaic png 1600 1200 "$big" 7702 >/dev/null
par() {
	curl -s -o "$TMP/par-$i.json" -w '%{http_code}' -H "Authorization: Bearer $me" \
		-H "Idempotency-Key: $kp" -F "image=@$big" -F "prompt=$p2" \
		"$IMAGIER_URL/api/v1/posts" >"$TMP/par-$i.code"
}
for i in 1 2 3 4 5 6; do par & done
wait
# Six uploads at once are more than the pool's decode slots (workers - 1,
# t0780): those that found none were told 503 busy, to retry, and a retry
# is answered as the key's first request was.
busy=0
for i in 1 2 3 4 5 6; do
	if [[ $(cat "$TMP/par-$i.code") == 503 ]]; then
		busy=$((busy + 1))
		[[ $(jq -r .error.code "$TMP/par-$i.json") == busy ]] || busy=100
		par
	fi
done
ok "$((busy < 6 ? 0 : 1))" "six at once: those without a decode slot ($busy) were told busy"
answers="$(for i in 1 2 3 4 5 6; do echo "$(cat "$TMP/par-$i.code") $(jq -r '.post.id // .id' "$TMP/par-$i.json")"; done | sort -u)"
is "$(posts_named "$p2")" 1 "six requests at once with one key: one post"
is "$answers" "201 $(sql "SELECT id FROM posts WHERE prompt = '$p2'")" "... and all six answered 201 with it"

# One key, four different pictures at once: one post, three 422, and no file
# of the three refused pictures is left in the store.
kd="$(key)"
for i in 1 2 3 4; do "$MKIMAGE" mosaic png 1200 900 "$TMP/diff-$i.png" $((7800 + i)) >/dev/null; done
before="$(count_media)"
post_diff() {
	curl -s -o "$TMP/diff-$i.json" -w '%{http_code}' -H "Authorization: Bearer $me" \
		-H "Idempotency-Key: $kd" -F "image=@$TMP/diff-$i.png" -F "prompt=diff bodies $i" \
		"$IMAGIER_URL/api/v1/posts" >"$TMP/diff-$i.code"
}
for i in 1 2 3 4; do post_diff & done
wait
for i in 1 2 3 4; do # (busy: retried, as above)
	[[ $(cat "$TMP/diff-$i.code") == 503 ]] && post_diff
done
is "$(cat "$TMP"/diff-*.code | tr -d '\n' | fold -w3 | sort | tr '\n' ' ')" "201 422 422 422 " \
	"one key, four different pictures at once: one 201, three 422"
won="$(sql "SELECT image_id FROM posts WHERE prompt LIKE 'diff bodies %'")"
is "$(($(count_media) - before))" "$(sql "SELECT COUNT(*) FROM media_files WHERE image_id = $won")" \
	"... and only the files of the one post were kept"

# ---- expiry, and an answer never recorded -----------------------------------------
sql "UPDATE idempotency_keys SET created_at = created_at - 25 * 3600 WHERE idem_key = '$k1'" >/dev/null
upload "$pic" "$p1 after a day" -H "Idempotency-Key: $k1"
is "$STATUS" 201 "after 24 hours the key can be used again"
is "$(sql "SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = '$k1' AND created_at < UNIX_TIMESTAMP() - 86400")" 0 \
	"... and the expired row is gone"
id3="$(json .post.id)"
sql "UPDATE idempotency_keys SET status = 0, body = NULL WHERE idem_key = '$k1' AND user_id = (SELECT user_id FROM posts WHERE id = $id3)" >/dev/null
upload "$pic" "$p1 after a day" -H "Idempotency-Key: $k1"
is "$STATUS" 201 "a key whose answer was never recorded: 201"
is "$(json .id)/$(json .url)/$(header location)" "$id3//p/$id3//p/$id3" "... with the post's id, URL and Location"
is "$(header idempotent-replayed)" true "... as a replay"

# ---- a worker killed in the middle --------------------------------------------------
kk="$(key)"
p3="killed mid-request $RANDOM"
huge="$TMP/huge.png"
"$MKIMAGE" mosaic png 4000 3000 "$huge" 7703 >/dev/null
curl -s -o /dev/null -H "Authorization: Bearer $me" -H "Idempotency-Key: $kk" \
	-F "image=@$huge" -F "prompt=$p3" "$IMAGIER_URL/api/v1/posts" &
cpid=$!
sleep 0.5
for w in $(fcgi_workers); do kill -KILL "$w" 2>/dev/null; done
wait "$cpid"
ok "$(wait_until 20 healthz_is 200; echo $?)" "the pool replaces its killed workers"
upload "$huge" "$p3" -H "Idempotency-Key: $kk"
is "$STATUS" 201 "the killed request retried with its key: 201"
is "$(posts_named "$p3")" 1 "... and there is exactly one post"
done_testing

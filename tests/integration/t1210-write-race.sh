#!/usr/bin/env bash
# t1210-write-race.sh - likes, unlikes and comments hammered from several
# clients at once keep their counters exact (like_count = rows in likes,
# comment_count = rows in comments), and the one read a like or a comment
# makes before it writes still rechecks a cached session: a suspension or a
# ban made behind the cache's back (straight in the database) is refused,
# and nothing is written.
source "$(dirname "$0")/lib.sh"

likes_of() { sql "SELECT like_count, (SELECT COUNT(*) FROM likes WHERE post_id = $1) FROM posts WHERE id = $1"; }
comments_of() {
	sql "SELECT comment_count, (SELECT COUNT(*) FROM comments WHERE post_id = $1 AND deleted = 0) FROM posts WHERE id = $1"
}
same_pair() { [[ $1 =~ ^([0-9]+)[[:space:]]+([0-9]+)$ ]] && [[ ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]]; }

new_user "$(uniq_name own)"
OWN=$TOKEN
upload "$(image png 64 64 31)" "a lighthouse in the fog"
p1="$(json .post.id)"
upload "$(image png 64 64 32)" "a harbour at dawn"
p2="$(json .post.id)"
toks=() ids=()
for i in $(seq 1 8); do
	new_user "$(uniq_name ham)"
	toks+=("$TOKEN")
	ids+=("$USER_ID")
done

# hammer TOKEN SEED: 24 likes and unlikes of p1 and p2 in a random order,
# two at a time on the same connection's person, and 4 comments (one a reply).
hammer() {
	local t=$1 i m post
	RANDOM=$2
	for ((i = 0; i < 12; i++)); do
		for post in "$p1" "$p2"; do
			((RANDOM % 2)) && m=PUT || m=DELETE
			curl -s -o /dev/null --max-time 30 -X "$m" -H "Authorization: Bearer $t" \
				"$IMAGIER_URL/api/v1/posts/$post/like" &
		done
		wait
	done
	for ((i = 0; i < 3; i++)); do
		curl -s -o /dev/null --max-time 30 -X POST -H "Authorization: Bearer $t" \
			-H 'Content-Type: application/json' --data "{\"text\":\"race $i\"}" \
			"$IMAGIER_URL/api/v1/posts/$p1/comments"
	done
}
for i in "${!toks[@]}"; do hammer "${toks[$i]}" "$((i + 1))" & done
# The owner comments and likes in the middle of it too.
for i in 1 2 3 4; do
	curl -s -o /dev/null --max-time 30 -X POST -H "Authorization: Bearer $OWN" \
		-H 'Content-Type: application/json' --data '{"text":"thank you all"}' \
		"$IMAGIER_URL/api/v1/posts/$p1/comments" &
	curl -s -o /dev/null --max-time 30 -X PUT -H "Authorization: Bearer $OWN" \
		"$IMAGIER_URL/api/v1/posts/$p2/like" &
done
wait

lc="$(likes_of "$p1")"
ok "$(same_pair "$lc"; echo $?)" "9 people liking and unliking at once: like_count = rows on the first post ($(tr '\t' / <<<"$lc"))"
lc="$(likes_of "$p2")"
ok "$(same_pair "$lc"; echo $?)" "  ... and on the second ($(tr '\t' / <<<"$lc"))"
cc="$(comments_of "$p1")"
is "$(tr '\t' / <<<"$cc")" "28/28" "28 comments at once: comment_count 28 = 28 rows"
for t in "${toks[0]}" "$OWN"; do
	call GET "/api/v1/posts/$p2" "$t"
	is "$(json .post.like_count)" "$(likes_of "$p2" | cut -f2)" "  ... and the API's like_count is the rows' count"
done
n="$(sql "SELECT COUNT(*) FROM notifications WHERE post_id = $p1 AND kind = 'comment'")"
is "$n" 24 "every comment by someone else told the author (24 notices; none for the owner's own)"

# A reply through the write check: the thread and the answered comment's author.
TOKEN=${toks[1]}
api POST "/api/v1/posts/$p1/comments" '{"text":"first"}'
c1="$(json .comment.id)"
TOKEN=${toks[2]}
api POST "/api/v1/posts/$p1/comments" "{\"text\":\"an answer\",\"parent_id\":$c1}"
is "$STATUS/$(json .comment.parent_id)/$(json .comment.author.id)" "201/$c1/${ids[2]}" \
	"a reply answers 201 with its thread and its author"
r1="$(json .comment.id)"
api POST "/api/v1/posts/$p1/comments" "{\"text\":\"deeper\",\"parent_id\":$r1}"
is "$(json .comment.parent_id)" "$c1" "  ... a reply to a reply joins the thread"
is "$(sql "SELECT COUNT(*) FROM notifications WHERE comment_id = $r1 AND kind = 'reply'")" 1 \
	"  ... and the answered comment's author hears of it"
api POST "/api/v1/posts/$p2/comments" "{\"text\":\"elsewhere\",\"parent_id\":$c1}"
is "$STATUS/$(json .error.code)" 404/not_found "a reply to a comment of another post: 404"
api POST "/api/v1/posts/999999999/comments" '{"text":"nowhere"}'
is "$STATUS/$(json .error.code)" 404/not_found "a comment on no post: 404"
api PUT "/api/v1/posts/999999999/like"
is "$STATUS/$(json .error.code)" 404/not_found "a like of no post: 404"

# --- a cached session rechecked by the write's own read ----------------------------
new_user "$(uniq_name sus)"
S=$TOKEN S_ID=$USER_ID
call PUT "/api/v1/posts/$p1/like" "$S"
is "$STATUS" 200 "a like (the session is now cached)"
call DELETE "/api/v1/posts/$p1/like" "$S"
sql "UPDATE users SET suspended_until = UNIX_TIMESTAMP() + 3600 WHERE id = $S_ID" >/dev/null
call PUT "/api/v1/posts/$p1/like" "$S"
is "$STATUS/$(json .error.code)" 403/suspended "suspended behind the cache's back: the like is refused"
call POST "/api/v1/posts/$p1/comments" "$S" '{"text":"still here"}'
is "$STATUS/$(json .error.code)" 403/suspended "  ... and the comment"
is "$(sql "SELECT (SELECT COUNT(*) FROM likes WHERE user_id = $S_ID), (SELECT COUNT(*) FROM comments WHERE user_id = $S_ID)" | tr '\t' /)" \
	"0/0" "  ... and nothing was written"
sql "UPDATE users SET suspended_until = NULL WHERE id = $S_ID" >/dev/null
call PUT "/api/v1/posts/$p1/like" "$S"
is "$STATUS" 200 "the suspension lifted: the like goes through"
call GET "/api/v1/me" "$S"
sql "UPDATE users SET banned_at = UNIX_TIMESTAMP() WHERE id = $S_ID" >/dev/null
call DELETE "/api/v1/posts/$p1/like" "$S"
is "$STATUS" 401 "banned behind the cache's back: the unlike is refused (the session is over)"
call POST "/api/v1/posts/$p1/comments" "$S" '{"text":"gone"}'
is "$STATUS" 401 "  ... and so is a comment"
is "$(sql "SELECT COUNT(*) FROM likes WHERE user_id = $S_ID")" 1 "  ... and the like stays"

# A banned author's posts answer 410 to everyone: nobody likes or comments
# on them either.
new_user "$(uniq_name gone)"
upload "$(image png 64 64 33)" "a pier at night"
pb="$(json .post.id)"
sql "UPDATE users SET banned_at = UNIX_TIMESTAMP() WHERE id = $USER_ID" >/dev/null
call PUT "/api/v1/posts/$pb/like" "${toks[0]}"
is "$STATUS" 404 "a like of a banned author's post is refused as not there"
call POST "/api/v1/posts/$pb/comments" "${toks[0]}" '{"text":"hello?"}'
is "$STATUS" 404 "  ... and so is a comment"
is "$(sql "SELECT like_count, comment_count, (SELECT COUNT(*) FROM likes WHERE post_id = $pb) FROM posts WHERE id = $pb" | tr '\t' /)" \
	"0/0/0" "  ... and nothing was written"
# The suite shares one stack, and later files count on the posts shown.
sql "UPDATE users SET banned_at = NULL WHERE id = $USER_ID" >/dev/null

done_testing

#!/usr/bin/env bash
# t9100-faults.sh - no acknowledged write is lost under faults: while
# writers like, unlike and comment, workers are killed with -9 again and
# again, memcached is killed and restarted, and mariadbd is killed with -9
# and restarted. Afterwards every comment that got a 201 is in the
# database, every like or unlike that got a 200 (and was the writer's last
# word on that post) is what the database holds, and every post's counters
# equal its rows. Bounded: about half a minute.
# single box: kills the one pool, memcached and MariaDB of its stack (t3100 and t3200 kill a cluster's).
source "$(dirname "$0")/lib.sh"

STACK="${IMAGIER_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tools/stack.sh"
RUN="$IMAGIER_VAR/run"
WRITERS=4
POSTS=3

new_user "$(uniq_name fowner)"
posts=()
for ((i = 0; i < POSTS; i++)); do
	upload "$(image png 64 64 $((70 + i)))" "fault target $i"
	posts+=("$(json .post.id)")
done
is "${#posts[@]}" "$POSTS" "$POSTS posts to write to"
tokens=()
for ((w = 0; w < WRITERS; w++)); do
	new_user "$(uniq_name fw)"
	tokens+=("$TOKEN")
done

# writer N TOKEN SECONDS: likes, unlikes and comments in a loop, one request
# at a time; logs "like|unlike|comment POST STATUS ID-OR-STATE" per request.
writer() {
	local n="$1" tok="$2" until=$((SECONDS + $3)) i=0 p code out
	while ((SECONDS < until && i < 2000)); do
		i=$((i + 1))
		p="${posts[RANDOM % POSTS]}"
		case $((RANDOM % 3)) in
		0 | 1)
			local m=PUT op=like
			((RANDOM % 2)) && m=DELETE op=unlike
			out="$(curl -s --max-time 10 -X "$m" -w '\n%{http_code}' -H "Authorization: Bearer $tok" \
				"$IMAGIER_URL/api/v1/posts/$p/like")"
			code="${out##*$'\n'}"
			echo "$op $p $code $(jq -r 'if .liked_by_me == null then "-" else .liked_by_me end' <<<"${out%$'\n'*}" 2>/dev/null)"
			;;
		2)
			out="$(curl -s --max-time 10 -w '\n%{http_code}' -H "Authorization: Bearer $tok" \
				-H 'Content-Type: application/json' --data "{\"text\":\"fault $n-$i\"}" \
				"$IMAGIER_URL/api/v1/posts/$p/comments")"
			code="${out##*$'\n'}"
			echo "comment $p $code $(jq -r '.comment.id // "-"' <<<"${out%$'\n'*}" 2>/dev/null)"
			;;
		esac
	done >"$TMP/w$n.log"
}

for ((w = 0; w < WRITERS; w++)); do writer "$w" "${tokens[w]}" 24 & done

# ---- the faults -----------------------------------------------------------------
# 1. workers killed with -9 every ~150 ms for 6 s
for ((k = 0; k < 40; k++)); do
	v="$(fcgi_workers | shuf -n 1)"
	[[ -n "$v" ]] && kill -9 "$v" 2>/dev/null
	sleep 0.15
done
# 2. memcached killed with -9, back after 3 s
kill -9 "$(cat "$RUN/memcached.pid")" 2>/dev/null
sleep 3
"$STACK" start >"$TMP/start-mc.log" 2>&1
mc_back=$?
sleep 2
# 3. mariadbd killed with -9 under the writes, then restarted
kill -9 "$(cat "$RUN/mysqld.pid")" 2>/dev/null
sleep 1
"$STACK" start >"$TMP/start-db.log" 2>&1
db_back=$?
wait
is "$mc_back" 0 "memcached was restarted"
is "$db_back" 0 "MariaDB was restarted (crash recovery)"
ok "$(wait_until 30 healthz_is 200; echo $?)" "the site is healthy again"

cat "$TMP"/w*.log >"$TMP/all.log"
acked="$(grep -Ec ' (200|201) ' "$TMP/all.log")"
total="$(wc -l <"$TMP/all.log")"
ok "$( ((acked >= 20)); echo $?)" "the writers got $acked of $total writes acknowledged"
bad="$(grep -Evc ' (200|201|503|502|504|000) ' "$TMP/all.log")"
is "$bad" 0 "no answer other than success or unavailable (no 4xx, no 500)"

# ---- every acknowledged comment is there ------------------------------------------
ids="$(awk '$1 == "comment" && $3 == 201 { print $4 }' "$TMP/all.log" | paste -sd,)"
want="$(awk '$1 == "comment" && $3 == 201' "$TMP/all.log" | wc -l)"
got=0
[[ -n "$ids" ]] && got="$(sql "SELECT COUNT(*) FROM comments WHERE id IN ($ids)")"
is "$got" "$want" "all $want acknowledged comments are in the database"

# ---- every writer's last acknowledged like or unlike holds --------------------------
# Only where the last request on a post was acknowledged and none on it
# went unanswered: one that got no answer may or may not have been
# committed, even after the later ones.
mismatch=0
checked=0
for ((w = 0; w < WRITERS; w++)); do
	TOKEN="${tokens[w]}"
	uid="$(req GET /api/v1/me -H "Authorization: Bearer $TOKEN"; json .user.id)"
	for p in "${posts[@]}"; do
		last="$(awk -v p="$p" '($1 == "like" || $1 == "unlike") && $2 == p' "$TMP/w$w.log" | tail -1)"
		[[ -n "$last" ]] || continue
		read -r _ _ code state <<<"$last"
		[[ "$code" == 200 ]] || continue
		# a request that timed out (000) may still commit after later ones
		grep -qE "^(like|unlike) $p 000 " "$TMP/w$w.log" && continue
		checked=$((checked + 1))
		have="$(sql "SELECT COUNT(*) FROM likes WHERE post_id = $p AND user_id = $uid")"
		if ! [[ "$state" == true && "$have" == 1 || "$state" == false && "$have" == 0 ]]; then
			mismatch=$((mismatch + 1))
			echo "# writer $w post $p uid $uid: last acknowledged '$last', database has $have row(s)"
			grep -E "^(like|unlike) $p " "$TMP/w$w.log" | tail -4 | sed 's/^/#   /'
		fi
	done
done
is "$mismatch" 0 "each of $checked last acknowledged like states is what the database holds"

# ---- counters equal their rows ----------------------------------------------------
list="$(IFS=,; echo "${posts[*]}")"
is "$(sql "SELECT COUNT(*) FROM posts p WHERE p.id IN ($list) AND (p.like_count <> (SELECT COUNT(*) FROM likes l WHERE l.post_id = p.id) OR p.comment_count <> (SELECT COUNT(*) FROM comments c WHERE c.post_id = p.id))")" 0 \
	"every post's like and comment counts equal its rows"
is "$(sql "SELECT COUNT(*) FROM posts p WHERE p.like_count <> (SELECT COUNT(*) FROM likes l WHERE l.post_id = p.id)")" 0 \
	"... across the whole site"
full() { (($(fcgi_workers | wc -l) == ${IMAGIER_SERVER_WORKERS:-3})); }
ok "$(wait_until 10 full; echo $?)" "the pool is at full size"
done_testing

#!/usr/bin/env bash
# t1315-timelines.sh - the following feed precomputed on write: a new post
# reaches the stored timelines of its author's and its tags' followers
# through imagier-gen's fan-out job; the feed is right before the job ran;
# unfollowing takes posts out, following puts the followee's recent posts in;
# a timeline lost from memcached and MariaDB is built again; a big fan-out
# goes in bounded batches without holding up the post; a fan-out whose
# worker died (lease run out) is taken over from where it stopped.
source "$(dirname "$0")/lib.sh"

letters() { tr -dc 'a-z' </dev/urandom 2>/dev/null | head -c "${1:-10}"; }
seedn=300
# post_as TOKEN PROMPT [TAGS]: upload a small image; sets PID.
post_as() {
	seedn=$((seedn + 1))
	TOKEN=$1 upload "$(image png 64 48 $seedn)" "$2" -F "tags=${3:-}"
	PID="$(json .post.id)"
}
# row USER_ID POST_ID: the stored reason of that timeline row (nothing: none)
row() { sql "SELECT reason FROM timelines WHERE user_id = $1 AND post_id = $2"; }
has_row() { [[ -n "$(row "$1" "$2")" ]]; }
jobs_left() { [[ "$(sql "SELECT COUNT(*) FROM fanout_jobs WHERE post_id = $1")" == 0 ]]; }
# drop_page USER_ID: the cached pages of a person's following feed go, so
# the next read asks MariaDB.
drop_page() {
	local keys
	keys=$(mc_dump | cut -f1 | grep -E "^imagier:(ids2:following:$1:|fp2:following:$1$)" || true)
	[[ -z $keys ]] || mc_delete $keys
}
# reason_in TOKEN POST: the reason POST has on TOKEN's following feed
# (nothing when it is not there).
reason_in() {
	call GET "/api/v1/feed?kind=following" "$1"
	jq -r --argjson id "$2" '.items[] | select(.id == $id) | .reason' <<<"$BODY"
}

tag="tl$(letters 8)"
new_user "$(uniq_name ava)"
A=$TOKEN an="$(json .user.username)" aid=$USER_ID
new_user "$(uniq_name ben)"
B=$TOKEN bn="$(json .user.username)" bid=$USER_ID
new_user "$(uniq_name cy)"
C=$TOKEN cid=$USER_ID
new_user "$(uniq_name dot)"
D=$TOKEN did=$USER_ID

# B follows A; C follows the tag (it needs a post to exist first).
post_as "$A" "an early lighthouse" "$tag"
p0=$PID
call PUT "/api/v1/users/$an/follow" "$B"
is "$STATUS" 200 "B follows A"
call PUT "/api/v1/tags/$tag/follow" "$C"
is "$STATUS" 200 "C follows #$tag"
# Reading the feed makes (and keeps) a timeline.
is "$(reason_in "$B" "$p0")" "because you follow @$an" "B's first read: A's older post, with its reason"
is "$(sql "SELECT ready FROM timeline_state WHERE user_id = $bid")" 1 "  ... and B has a stored timeline now"
is "$(row "$bid" "$p0")" "1because you follow @$an" "  ... holding A's post"
is "$(reason_in "$C" "$p0")" "because you follow #$tag" "C's first read: the tagged post"
call GET "/api/v1/feed?kind=following" "$D" >/dev/null

# --- a new post goes to the followers' timelines through the fan-out job ----------
post_as "$A" "a harbour at night" "$tag"
p1=$PID
is "$STATUS" 201 "A posts"
ok "$(wait_until 30 jobs_left "$p1"; echo $?)" "  ... its fan-out job is done (by imagier-gen)"
is "$(row "$bid" "$p1")" "1because you follow @$an" "  ... the post is in B's stored timeline, as a person followed"
is "$(row "$cid" "$p1")" "2because you follow #$tag" "  ... and in C's, as a tag followed"
is "$(row "$did" "$p1")" "" "  ... not in D's (who follows neither)"
is "$(row "$aid" "$p1")" "" "  ... nor in the author's own"
is "$(reason_in "$B" "$p1")" "because you follow @$an" "B's following feed shows it"
is "$(reason_in "$C" "$p1")" "because you follow #$tag" "C's too"

# --- before the job ran, and a job whose worker died --------------------------------
# As if the fan-out of p1 had not run: its rows gone, its job held by another
# worker whose lease is still good.
sql "DELETE FROM timelines WHERE post_id = $p1; INSERT INTO fanout_jobs (post_id, worker,
     lease_until, created_at) VALUES ($p1, 'gone-worker', UNIX_TIMESTAMP() + 3600, UNIX_TIMESTAMP())"
drop_page "$bid"
is "$(reason_in "$B" "$p1")" "because you follow @$an" "a post whose fan-out has not run is on the feed all the same"
is "$(row "$bid" "$p1")" "" "  ... (not from the stored timeline)"
sleep 1
is "$(sql "SELECT worker FROM fanout_jobs WHERE post_id = $p1")" gone-worker "a job under another worker's live lease is left alone"
sql "UPDATE fanout_jobs SET lease_until = UNIX_TIMESTAMP() - 1 WHERE post_id = $p1"
ok "$(wait_until 30 jobs_left "$p1"; echo $?)" "its lease run out, imagier-gen takes the job over and finishes it"
is "$(row "$bid" "$p1")" "1because you follow @$an" "  ... B's timeline has the post"

# --- unfollow takes out, follow puts back --------------------------------------------
call DELETE "/api/v1/users/$an/follow" "$B"
is "$STATUS" 200 "B unfollows A"
is "$(sql "SELECT COUNT(*) FROM timelines t JOIN posts p ON p.id = t.post_id WHERE t.user_id = $bid AND p.user_id = $aid")" 0 \
	"  ... A's posts left B's stored timeline"
is "$(reason_in "$B" "$p1")" "" "  ... and B's feed"
call PUT "/api/v1/users/$an/follow" "$B"
is "$(row "$bid" "$p0")/$(row "$bid" "$p1")" "1because you follow @$an/1because you follow @$an" \
	"following again puts A's recent posts back at once (no job)"
is "$(reason_in "$B" "$p1")" "because you follow @$an" "  ... on B's feed"
# A block ends the follow both ways, and the follow's posts go with it: an
# unblock does not bring them back "because you follow" someone not followed.
call PUT "/api/v1/users/$bn/block" "$A"
is "$STATUS" 200 "A blocks B (B's follow of A ends)"
is "$(sql "SELECT COUNT(*) FROM timelines t JOIN posts p ON p.id = t.post_id WHERE t.user_id = $bid AND p.user_id = $aid")" 0 \
	"  ... A's posts left B's stored timeline"
call DELETE "/api/v1/users/$bn/block" "$A"
is "$STATUS" 200 "A unblocks B"
drop_page "$bid"
is "$(reason_in "$B" "$p1")" "" "  ... and A's posts do not come back on B's feed"
call PUT "/api/v1/users/$an/follow" "$B"
is "$(reason_in "$B" "$p1")" "because you follow @$an" "B follows A again: A's posts are back"
# Following a tag adds its posts to a kept timeline.
call PUT "/api/v1/tags/$tag/follow" "$D"
is "$(row "$did" "$p0")/$(row "$did" "$p1")" "2because you follow #$tag/2because you follow #$tag" \
	"following a tag puts its recent posts in the timeline"
# B follows the tag too: A's posts keep the person as the reason.
call PUT "/api/v1/tags/$tag/follow" "$B"
is "$(row "$bid" "$p1")" "1because you follow @$an" "a post both ways keeps the person as its reason"
# Unfollowing A keeps the posts the tag brings, under the tag.
call DELETE "/api/v1/users/$an/follow" "$B"
is "$(row "$bid" "$p1")" "2because you follow #$tag" "unfollowing A keeps A's tagged posts, now for the tag"
is "$(reason_in "$B" "$p1")" "because you follow #$tag" "  ... on the feed too"
# Unfollowing the tag: the timeline is made again on the next read.
call DELETE "/api/v1/tags/$tag/follow" "$D"
is "$(reason_in "$D" "$p1")" "" "unfollowing the tag takes its posts off the feed"
is "$(row "$did" "$p1")" "" "  ... and out of the stored timeline (made again)"
call PUT "/api/v1/users/$an/follow" "$B"

# --- lost from memcached and MariaDB: built again ------------------------------------
sql "DELETE FROM timelines WHERE user_id = $bid; DELETE FROM timeline_state WHERE user_id = $bid"
drop_page "$bid"
is "$(reason_in "$B" "$p1")" "because you follow @$an" "a timeline lost from memcached and MariaDB: the feed is whole"
is "$(sql "SELECT ready FROM timeline_state WHERE user_id = $bid")/$(row "$bid" "$p0")" "1/1because you follow @$an" \
	"  ... and the stored timeline is built again"

# --- a big fan-out: queued, in bounded batches -----------------------------------------
IMAGIER_TIMELINE_FANOUT_BATCH=2 "$IMAGIER_ROOT/tools/stack.sh" restart-gen >/dev/null 2>&1
new_user "$(uniq_name hub)"
H=$TOKEN hn="$(json .user.username)"
fan_ids=()
for i in 1 2 3 4 5 6 7; do
	new_user "$(uniq_name fan)"
	fan_ids+=("$USER_ID")
	call PUT "/api/v1/users/$hn/follow" "$TOKEN" >/dev/null
	call GET "/api/v1/feed?kind=following" "$TOKEN" >/dev/null
done
# the fans in id order (the batches go in that order)
mapfile -t fan_ids < <(printf '%s\n' "${fan_ids[@]}" | sort -n)
post_as "$H" "a crowd at the fair"
p2=$PID
is "$STATUS" 201 "a post with 7 followers is made at once"
ok "$(wait_until 30 jobs_left "$p2"; echo $?)" "  ... its fan-out finishes"
n=0
for f in "${fan_ids[@]}"; do has_row "$f" "$p2" && n=$((n + 1)); done
is "$n" 7 "  ... all 7 followers have it"
like "$(gen_log)" "post $p2 fanned out in 4 batches" "  ... in 4 batches of 2 followers"

# A worker died after the first 4 followers of a job: whoever takes it over
# goes on from there.
post_as "$H" "the fair at dusk"
p3=$PID
wait_until 30 jobs_left "$p3"
sql "DELETE FROM timelines WHERE post_id = $p3; INSERT INTO fanout_jobs (post_id, stage, cursor_id,
     worker, lease_until, created_at) VALUES ($p3, 0, ${fan_ids[3]}, 'dead-worker', UNIX_TIMESTAMP() - 5,
     UNIX_TIMESTAMP())"
ok "$(wait_until 30 jobs_left "$p3"; echo $?)" "a job whose lease ran out is taken over and finished"
n=0
for f in "${fan_ids[@]:4}"; do has_row "$f" "$p3" && n=$((n + 1)); done
is "$n" 3 "  ... the followers after its cursor got the post"
n=0
for f in "${fan_ids[@]:0:4}"; do has_row "$f" "$p3" && n=$((n + 1)); done
is "$n" 0 "  ... the ones before it (done by the dead worker) were not done twice"
"$IMAGIER_ROOT/tools/stack.sh" restart-gen >/dev/null 2>&1

# --- a deep cursor: past what the timeline keeps, the live query answers --------------
sql "UPDATE timeline_state SET floor_id = $p1 WHERE user_id = $bid"
drop_page "$bid"
call GET "/api/v1/feed?kind=following&cursor=$p1" "$B"
is "$(jq -r --argjson id "$p0" '[.items[].id] | index($id) != null' <<<"$BODY")" true \
	"a cursor below the timeline's floor still finds the older posts"

# --- an account deleted: its posts leave every stored timeline ----------------------------
is "$(sql "SELECT COUNT(*) FROM timelines WHERE post_id = $p2")" 7 "before: the hub's post is in 7 timelines"
login_jar "$hn" "$TMP/jarH"
req POST /settings/delete -b "$TMP/jarH" --data-urlencode "csrf=$JAR_CSRF" \
	--data-urlencode "password=correct horse $hn" --data-urlencode "confirm=yes"
is "$STATUS" 303 "the hub deletes their account"
is "$(sql "SELECT COUNT(*) FROM timelines WHERE post_id IN ($p2, $p3)")" 0 "  ... and their posts left every timeline"
done_testing

#!/usr/bin/env bash
# t1320-foryou-precomputed.sh - the "for you" candidates gathered ahead of
# time (docs/RANKING.md section 7): a person with no row yet still gets a
# page (built once, then stored); imagier-gen's job computes the global row
# and refreshes queued rows; a new follow makes the row out of date (rebuilt
# by the job, and before the next page) and shows at once; "show less" acts
# on the stored row at request time; a row a few minutes old is served and
# queued, one older than an hour rebuilt before use; a row leased by a job
# that died is taken over once the lease runs out; `imagier foryou-refresh`.
source "$(dirname "$0")/lib.sh"

letters() { tr -dc 'a-z' </dev/urandom 2>/dev/null | head -c "${1:-10}"; }
seedn=300
# post_as TOKEN PROMPT: upload a small image (each its own); sets PID.
post_as() {
	seedn=$((seedn + 1))
	TOKEN=$1 upload "$(image png 64 48 $seedn)" "$2"
	PID="$(json .post.id)"
}
# the ms clock of the database
now_ms() { sql "SELECT CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)"; }
row() { sql "SELECT $1 FROM foryou_candidates WHERE user_id = $CID"; }
# row_is CONDITION: the condition holds for cal's row (for wait_until)
row_is() { [[ "$(row "$1")" == 1 ]]; }
global_fresh() { [[ "$(sql 'SELECT built_at >= UNIX_TIMESTAMP() - 120 AND LENGTH(data) > 16 FROM foryou_global')" == 1 ]]; }
by_author() { json "[.items[] | select(.author.username == \"$1\")] | length"; }
reasons_of() { json "[.items[] | select(.author.username == \"$1\") | .reason] | unique | join(\",\")"; }

# --- people -------------------------------------------------------------------------
new_user "$(uniq_name ann)"
A=$TOKEN an="$(json .user.username)"
new_user "$(uniq_name bea)"
B=$TOKEN bn="$(json .user.username)"
new_user "$(uniq_name cal)"
C=$TOKEN cn="$(json .user.username)" CID=$USER_ID
new_user "$(uniq_name dan)"
D=$TOKEN
# dan's posts (nobody follows dan) first, then bea's, then ann's: the newest
for i in $(seq 10); do post_as "$D" "dan's $(letters) field $i"; done
for i in 1 2; do post_as "$B" "bea's $(letters) orchard $i"; done
for i in 1 2; do post_as "$A" "ann's $(letters) harbour $i"; done
a_post=$PID

# --- no row yet: a page all the same, and the row stored ----------------------------
TOKEN=$C
api PUT "/api/v1/users/$an/follow"
is "$(row COUNT\(*\))" 0 "cal has no precomputed row before the first page"
api GET "/api/v1/feed?kind=foryou"
is "$STATUS" 200 "cal's first for-you page answers 200"
is "$(by_author "$an")" 2 "  ... with ann's 2 posts (cal follows ann)"
is "$(reasons_of "$an")" "because you follow @$an" "  ... saying why, with the name from the stored row"
is "$(row COUNT\(*\))" 1 "  ... and the row is stored (built once, on demand)"
is "$(row "queued_at = 0 AND dirty_at < built_at AND LENGTH(data) > 16")" 1 "  ... fresh: not queued, not dirty"

# --- the job: the global row, and queued rows ---------------------------------------
ok "$(wait_until 90 global_fresh; echo $?)" \
	"imagier-gen keeps the global row (rising, exploration) fresh"
built="$(row built_at)"
sql "UPDATE foryou_candidates SET queued_at = $(now_ms) WHERE user_id = $CID"
ok "$(wait_until 30 row_is "built_at > $built AND queued_at = 0 AND lease_owner = ''"; echo $?)" \
	"a queued row is refreshed by the job (and its lease let go)"

# --- a new follow: out of date; the job rebuilds it, and the page shows it at once ---
built="$(row built_at)"
api PUT "/api/v1/users/$bn/follow"
is "$(row "dirty_at >= $built")" 1 "a new follow marks cal's row out of date"
ok "$(wait_until 30 row_is "built_at > dirty_at AND queued_at = 0"; echo $?)" \
	"  ... and the job rebuilds it"
api GET "/api/v1/feed?kind=foryou"
is "$STATUS/$(by_author "$bn")" 200/2 "  ... bea's 2 posts are on the next page"
is "$(reasons_of "$bn")" "because you follow @$bn" "  ... \"because you follow @$bn\""
# Without the job: the page itself rebuilds a row a follow made out of date.
sql "UPDATE foryou_candidates SET lease_owner = 'elsewhere', lease_until = UNIX_TIMESTAMP() + 600 WHERE user_id = $CID"
api DELETE "/api/v1/users/$bn/follow"
api GET "/api/v1/feed?kind=foryou"
is "$STATUS/$(json '[.items[] | select(.reason == "because you follow @'"$bn"'")] | length')" 200/0 \
	"after an unfollow (the job kept away), the page rebuilds the row first: no \"because you follow @$bn\""
is "$(row "built_at > dirty_at")" 1 "  ... and stores it"
sql "UPDATE foryou_candidates SET lease_owner = '', lease_until = 0 WHERE user_id = $CID"

# --- show less: at request time, on the stored row ----------------------------------
api PUT "/api/v1/users/$bn/follow"
wait_until 30 row_is "built_at > dirty_at AND queued_at = 0 AND lease_owner = ''"
api GET "/api/v1/feed?kind=foryou"
a_first="$(json "[.items[].author.username] | index(\"$an\") // 999")"
built="$(row built_at)"
api POST /api/v1/feed/feedback "{\"post_id\":$a_post,\"signal\":\"less\"}"
api POST /api/v1/feed/feedback "{\"post_id\":$a_post,\"signal\":\"less\"}"
is "$STATUS" 200 "cal asks for less like ann's post (twice: full weight)"
api GET "/api/v1/feed?kind=foryou"
a_after="$(json "[.items[].author.username] | index(\"$an\") // 999")"
# (the top slot is never an exploration pick: it is the best score, which
# ann's newest post had, followed)
ok "$( ((a_after > 0 && a_after >= a_first)); echo $?)" "  ... ann's posts are no longer on top ($a_first -> $a_after)"
is "$(row "built_at = $built")" 1 "  ... with the same stored row (show less is read per page)"

# --- stale rows ----------------------------------------------------------------------
# A few minutes old: served as it is and queued; the job refreshes it.
old=$(($(now_ms) - 400000))
sql "UPDATE foryou_candidates SET built_at = $old, dirty_at = 0, queued_at = 0, lease_owner = 'elsewhere', lease_until = UNIX_TIMESTAMP() + 600 WHERE user_id = $CID"
mapfile -t fy_keys < <(mc_dump | cut -f1 | grep -E "^imagier:(fy:$CID:|fp2:foryou:$CID$)")
((${#fy_keys[@]})) && mc_delete "${fy_keys[@]}"
api GET "/api/v1/feed?kind=foryou"
is "$STATUS" 200 "a row 400 s old: the page answers"
is "$(row "built_at = $old AND queued_at > 0")" 1 "  ... from the stored row, which is queued for the job"
sql "UPDATE foryou_candidates SET lease_until = 0, lease_owner = '' WHERE user_id = $CID"
ok "$(wait_until 30 row_is "built_at > $old AND queued_at = 0"; echo $?)" "  ... and the job refreshes it"
# An hour old (a person back after a while): rebuilt before use.
old=$(($(now_ms) - 4000000))
sql "UPDATE foryou_candidates SET built_at = $old, queued_at = 0, lease_owner = 'elsewhere', lease_until = UNIX_TIMESTAMP() + 600 WHERE user_id = $CID"
mapfile -t fy_keys < <(mc_dump | cut -f1 | grep -E "^imagier:(fy:$CID:|fp2:foryou:$CID$)")
((${#fy_keys[@]})) && mc_delete "${fy_keys[@]}"
api GET "/api/v1/feed?kind=foryou"
is "$STATUS/$(by_author "$bn")" 200/2 "a row over an hour old: the page answers, with what cal follows"
is "$(row "built_at > $old")" 1 "  ... from a row rebuilt first"
sql "UPDATE foryou_candidates SET lease_until = 0, lease_owner = '' WHERE user_id = $CID"
# A like since the row was built queues it too.
TOKEN=$A
post_as "$A" "ann's $(letters) lighthouse"
TOKEN=$C
api PUT "/api/v1/posts/$PID/like"
sql "UPDATE foryou_candidates SET built_at = (SELECT MAX(created_at) FROM likes WHERE user_id = $CID) * 1000 - 1, queued_at = 0, lease_owner = 'elsewhere', lease_until = UNIX_TIMESTAMP() + 600 WHERE user_id = $CID"
mapfile -t fy_keys < <(mc_dump | cut -f1 | grep -E "^imagier:(fy:$CID:|fp2:foryou:$CID$)")
((${#fy_keys[@]})) && mc_delete "${fy_keys[@]}"
api GET "/api/v1/feed?kind=foryou"
is "$(row "queued_at > 0")" 1 "a like since the row was built queues it for the job"

# --- leases: a job that died mid-refresh ---------------------------------------------
built="$(row built_at)"
sql "UPDATE foryou_candidates SET queued_at = $(now_ms), lease_owner = 'gen-that-died', lease_until = UNIX_TIMESTAMP() + 3 WHERE user_id = $CID"
sleep 1
is "$(row "built_at = $built AND lease_owner = 'gen-that-died'")" 1 "a row leased by another job is left alone while the lease holds"
ok "$(wait_until 30 row_is "built_at > $built AND queued_at = 0 AND lease_owner = ''"; echo $?)" \
	"  ... and taken over once it ran out (that job died mid-refresh)"

# --- the CLI -------------------------------------------------------------------------
built="$(row built_at)"
cli foryou-refresh "$cn"
is "$RC/$OUT" "0/for you: 1 person refreshed" "imagier foryou-refresh USER refreshes that person now"
is "$(row "built_at > $built")" 1 "  ... (the row is new)"
cli foryou-refresh "nobody$(letters 12)"
is "$RC" 2 "  ... an unknown user: exit 2"
cli foryou-refresh
is "$RC" 0 "imagier foryou-refresh (everybody queued) exits 0"
done_testing

#!/usr/bin/env bash
# t1700-stats.sh - the moderators' stats page: posts, sign-ups, generations
# and reports per UTC day for the last 30 days (zero-filled), the age of the
# open reports and the cache hit rate, as a page, as JSON and as four PNG
# charts. Only moderators and admins see it; a new sign-up, post,
# generation and report each move today's number by exactly one; the
# numbers are cached for a minute and ?fresh=1 recomputes them.
source "$(dirname "$0")/lib.sh"

# png_size FILE: "WIDTHxHEIGHT" if FILE is a PNG, else "not a png".
png_size() {
	python3 - "$1" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read(33)
if b[:8] != b"\x89PNG\r\n\x1a\n" or b[12:16] != b"IHDR":
    print("not a png")
else:
    print("%dx%d" % struct.unpack(">II", b[16:24]))
PY
}
today() { json '.days[-1] | "\(.date) \(.posts) \(.signups) \(.generations) \(.reports)"'; }

# --- who may look ----------------------------------------------------------------
req GET /api/v1/admin/stats
is "$STATUS" 401 "the stats, anonymous: 401"
req GET /admin/stats
is "$STATUS" 303 "the stats page, anonymous: 303"
like "$(header location)" "^/login\?next=%2fadmin%2fstats$" "... to the login page"
req GET /admin/stats/posts.png
is "$STATUS" 303 "a chart, anonymous: 303 to the login page"

new_user "$(uniq_name plain)"
plain=$TOKEN
req GET /admin/stats -H "Authorization: Bearer $plain"
is "$STATUS" 403 "the stats page, a plain user: 403"
req GET /api/v1/admin/stats -H "Authorization: Bearer $plain"
is "$STATUS" 403 "the stats JSON, a plain user: 403"
req GET /admin/stats/posts.png -H "Authorization: Bearer $plain"
is "$STATUS" 403 "a chart, a plain user: 403"
unlike "$(header content-type)" "image/png" "... and no image"

admin=$(admin_token)

# --- the JSON face ---------------------------------------------------------------
req GET "/api/v1/admin/stats?fresh=1" -H "Authorization: Bearer $admin"
is "$STATUS" 200 "the admin reads the stats"
is "$(json '.days | length')" 30 "30 days"
is "$(json '[.days[] | select((.posts|type) == "number" and (.signups|type) == "number" and
	(.generations|type) == "number" and (.reports|type) == "number")] | length')" 30 \
	"... each with four counts, days without rows as 0"
is "$(json '.days[-1].date')" "$(date -u +%F)" "the last day is today (UTC)"
is "$(json '.days[0].date')" "$(date -u -d '29 days ago' +%F)" "the first is 29 days before"
is "$(json '[.days[].date] | . == (sort | unique)')" true "one row per day, in order"
is "$(json '.totals.posts == ([.days[].posts] | add) and .totals.reports == ([.days[].reports] | add)')" \
	true "the totals are the sums of the days"
is "$(json '[.queue.open, .queue.oldest_seconds, .queue.median_seconds] | map(type) | unique | join(",")')" \
	number "the queue's size and ages are numbers"
is "$(json '.cache.available')" true "memcached's counters are there"
is "$(json '(.cache.hits|type) + "," + (.cache.misses|type) + "," + (.cache.worker.hits|type)')" \
	"number,number,number" "... hits and misses, for memcached and for this worker"
is "$(json '.cache.hit_rate == null or (.cache.hit_rate >= 0 and .cache.hit_rate <= 1)')" true \
	"... and a hit rate between 0 and 1"
before="$(today)"
open_before=$(json .queue.open)
real=$BODY

# --- the numbers move with what happens ------------------------------------------------
new_user "$(uniq_name author)"
author=$TOKEN
upload "$(image png 64 64 71)" "a post to count"
is "$STATUS" 201 "a new person uploads a post"
post=$(json .post.id)
req POST /api/v1/generations -H "Authorization: Bearer $author" -H 'Content-Type: application/json' \
	--data '{"prompt":"a lighthouse at dusk","backend":"procedural"}'
is "$STATUS" 202 "... asks for a generation"
req POST /api/v1/reports -H "Authorization: Bearer $plain" -H 'Content-Type: application/json' \
	--data "{\"target_type\":\"post\",\"target_id\":$post,\"reason\":\"spam\"}"
is "$STATUS" 201 "... and someone reports the post"

# A cached copy is what the page shows for a minute: plant one and see it.
mc_set imagier:stats:v1 "$(jq -c 'del(.cache) | .totals.posts = 987654' <<<"$real")"
req GET /api/v1/admin/stats -H "Authorization: Bearer $admin"
is "$(json .totals.posts)" 987654 "within the minute the cached numbers are served"
req GET "/api/v1/admin/stats?fresh=1" -H "Authorization: Bearer $admin"
isnt "$(json .totals.posts)" 987654 "?fresh=1 recomputes them"
after="$(today)"
read -r d0 p0 s0 g0 r0 <<<"$before"
read -r d1 p1 s1 g1 r1 <<<"$after"
if [[ "$d0" == "$d1" ]]; then
	is "$((p1 - p0)) $((s1 - s0)) $((g1 - g0)) $((r1 - r0))" "1 1 1 1" \
		"today: one more post, sign-up, generation and report"
else
	skip "today's numbers moved by one each" "the UTC day changed during the test"
fi
is "$(json .queue.open)" "$((open_before + 1))" "one more open report in the queue"
is "$(json '.queue.oldest_seconds >= .queue.median_seconds and .queue.median_seconds >= 0')" true \
	"the oldest open report has waited at least as long as the median"
mc_delete imagier:stats:v1
req GET /api/v1/admin/stats -H "Authorization: Bearer $admin"
is "$(today)" "$after" "the cache dropped: the same numbers computed again"
mc_set imagier:stats:v1 '{"days":[1,2,3],"totals":{}}'
req GET /admin/stats -H "Authorization: Bearer $admin"
is "$STATUS" 200 "a damaged cached copy is not used: the page is shown"
req GET /api/v1/admin/stats -H "Authorization: Bearer $admin"
is "$(today)" "$after" "... from numbers computed again"

# --- the page ------------------------------------------------------------------------
req GET /admin/stats -H "Authorization: Bearer $admin"
is "$STATUS" 200 "the admin sees the page"
like "$(header content-type)" "^text/html" "... as HTML"
like "$BODY" "<h1>Site statistics</h1>" "... with a heading"
for name in posts signups generations reports; do
	like "$BODY" "<img src=\"/admin/stats/$name.png\" alt=\"Bar chart of [^\"]+\" width=\"720\" height=\"240\">" \
		"... the $name chart with its text alternative and size"
done
is "$(grep -c '<details>' <<<"$BODY")" 4 "... each chart followed by its numbers in a table"
is "$(grep -c '<tr><th scope="row">' <<<"$BODY")" 120 "... 30 rows each"
like "$BODY" "<th scope=\"row\"><time datetime=\"$d1\">$d1</time></th><td>$p1</td>" \
	"... today's posts in the posts table"
like "$BODY" "open report\(s\)\. The oldest has waited" "... the queue's age in words"
like "$BODY" "memcached hit rate[^<]*: [0-9.]+% \(" "... the hit rate"
like "$BODY" '<a href="/admin">' "... and a way back to the queue"

# --- the charts ------------------------------------------------------------------------
for name in posts signups generations reports; do
	req GET "/admin/stats/$name.png" -H "Authorization: Bearer $admin"
	is "$STATUS $(png_size "$TMP/body")" "200 720x240" "$name.png is a 720x240 PNG"
done
is "$(header content-type)" "image/png" "... sent as image/png"
is "$(header cache-control)" "private, max-age=60" "... that a browser keeps for a minute, privately"
for bad in posts.svg foo.png posts posts.png.png POSTS.png .png; do
	req GET "/admin/stats/$bad" -H "Authorization: Bearer $admin"
	is "$STATUS" 404 "an unknown chart ($bad): 404"
done

# --- a moderator (not an admin) may look too ---------------------------------------------
new_user "$(uniq_name mod)"
mod_name="$(json .user.username)"
sql "UPDATE users SET role = 'moderator' WHERE username = '$mod_name'"
req POST /api/v1/sessions -H 'Content-Type: application/json' \
	--data "{\"username\":\"$mod_name\",\"password\":\"correct horse $mod_name\"}"
mod=$(json .token)
req GET /api/v1/admin/stats -H "Authorization: Bearer $mod"
is "$STATUS" 200 "a moderator reads the stats"
req GET /admin/stats/reports.png -H "Authorization: Bearer $mod"
is "$STATUS $(png_size "$TMP/body")" "200 720x240" "... and the charts"

done_testing

#!/usr/bin/env bash
# t1310-page-cache.sh - the logged-in page cache (routes flagged R_PCACHE):
# a warm /following or /foryou page costs the worker exactly one multi-get
# (the session, the page entry and the versions it was built under), and
# nginx one get of the body it sends itself (both counted with memcached's
# own `stats` before and after); a body gone from memcached sends the
# request back to the app; and a cached page is never served once it is
# stale: the person's own like (from another session), a new post, a
# notification for them, and their logout.
# single box: counts round trips on the one memcached server, and nginx sending page bodies from it.
source "$(dirname "$0")/lib.sh"

MC="$IMAGIER_VAR/run/memcached.sock"
# mc_stats: memcached's counters, "name value" a line.
mc_stats() {
	python3 - "$MC" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
s.connect(sys.argv[1])
s.sendall(b"stats\r\n")
buf = b""
while not buf.endswith(b"END\r\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
for l in buf.decode().splitlines():
    p = l.split()
    if len(p) == 3 and p[0] == "STAT":
        print(p[1], p[2])
PY
}
# mc_del KEY: delete KEY.
mc_del() {
	python3 - "$MC" "$1" <<'PY' >/dev/null
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
s.connect(sys.argv[1])
s.sendall(b"delete " + sys.argv[2].encode() + b"\r\n")
s.recv(100)
PY
}
hash_of() { python3 -c 'import hashlib,sys; print(hashlib.blake2b(sys.argv[1].encode(), digest_size=32).hexdigest())' "$1"; }
jar_token() { awk '$6 == "imagier_session" { print $7 }' "$1"; }

# round_trip PATH JAR: one GET of PATH with the cookie JAR between two
# `stats`; prints the counters that changed ("name delta", sorted), leaving
# out the clock, the stats connection itself and memcached's own LRU work,
# then "bytes_read" less the second stats command.
round_trip() {
	local before after
	# First the page itself, so that it is cached and fresh however slow
	# this machine is (an entry lives 15 s), then the one counted.
	curl -s -o /dev/null -b "$2" "$IMAGIER_URL$1"
	before="$(mc_stats)"
	curl -s -o /dev/null -b "$2" "$IMAGIER_URL$1"
	after="$(mc_stats)"
	join <(sort <<<"$before") <(sort <<<"$after") |
		awk '$2 != $3 && $1 !~ /^(time|uptime|rusage_|total_connections|lru|moves_|lrutail|slab_|bytes_written|curr_connections|conn_yields|log_|evictions|reclaimed|expired_unfetched|evicted_)/ {
			d = $3 - $2; if ($1 == "bytes_read") d -= 7; print $1, d }' | sort
}
# first_keys PATH QUERY JAR UID: the nine keys of a /following or /foryou
# page's first multi-get. Five are the page's own (the session, the page
# entry, the versions it was built under and the unread count); four are
# what building it would read next (the person's follows and for-you
# versions, their filters, and the ids of the feed's first page), asked for
# in the same round trip so that a miss costs no more of them.
first_keys() {
	local hex="$(hash_of "$(jar_token "$3")")"
	printf '%s' "imagier:sess:$hex imagier:page:$hex:$1?$2 imagier:v:feed imagier:v:user:$4"
	printf '%s' " imagier:unread:$4 imagier:v:follows:$4 imagier:v:foryou:$4 imagier:myfilters:$4"
	printf '%s' " imagier:fp2:${1#/}:$4"
}
# expect_one_get PATH JAR UID: the signature of exactly one multi-get of the
# nine keys of a warm page by the worker, and one get of the page's body by
# nginx, all hits (the first page's ids too, unless that feed is empty and
# so never stored), nothing else: no set, no incr, no delete, no touch, no
# other get (another command would show in cmd_get or bytes_read: one
# "get k1 ... k9\r\n" line is 4 bytes plus the keys and their spaces). The
# entry names the body ("@" and 48 hex digits after its stamp line: 16 of
# the session's hash, 32 random).
expect_one_get() {
	local hex="$(hash_of "$(jar_token "$2")")" keys n=0 body
	keys="$(first_keys "$1" "" "$2" "$3")"
	body="imagier:pbody:$(mc_get "imagier:page:$hex:$1?" | sed -n 's/^@//p')"
	n=$(($(printf 'get %s\r\nget %s\r\n' "$keys" "$body" | wc -c)))
	printf 'bytes_read %d\ncmd_get 10\nget_hits 10\n' "$n"
}

owner="$(uniq_name pco)"
new_user "$owner"
OWNER_TOKEN=$TOKEN
OWNER_ID=$USER_ID
artist="$(uniq_name pca)"
new_user "$artist"
ARTIST_TOKEN=$TOKEN
upload "$(image png 96 96 31)" "a lighthouse at dusk"
is "$STATUS" 201 "the artist posts"
post1="$(json .post.id)"
call PUT "/api/v1/users/$artist/follow" "$OWNER_TOKEN"
is "$STATUS" 200 "the owner follows the artist"

jar="$TMP/jar"
login_jar "$owner" "$jar"
jar_csrf=$JAR_CSRF

# ---- one round trip ----------------------------------------------------------
# Both pages once, so that every key a page reads exists.
for path in /following /foryou; do req GET "$path" -b "$jar"; done
for path in /following /foryou; do
	req GET "$path" -b "$jar"
	is "$STATUS" 200 "$path answers a logged-in person"
	want="$(expect_one_get "$path" "$jar" "$OWNER_ID")"
	# Each worker learns whose session this is on its first page of it;
	# the pool's workers take the requests in no fixed order, so ask until
	# a warm worker answers. (The first page's ids are there: both feeds
	# show the artist's post, and only an empty page is never stored.)
	ok "$([[ -n "$(mc_get "imagier:fp2:${path#/}:$OWNER_ID")" ]]; echo $?)" "  ... $path's first page of ids is in memcached"
	got=""
	for ((i = 0; i < 30; i++)); do
		got="$(round_trip "$path" "$jar")"
		[[ "$got" == "$want" ]] && break
	done
	is "$got" "$want" "a warm $path is one multi-get of its 9 keys and nginx's get of the body, all hits, and nothing else"
done

pkey() { echo "imagier:page:$(hash_of "$(jar_token "$jar")"):$1"; }

# The body nginx sends is the one memcached holds under the entry's id
# (the worker never carries it), and a body gone from memcached sends the
# request back to the app, which builds the page and stores it anew.
hexj="$(hash_of "$(jar_token "$jar")")"
# A page stored now (an entry lives 15 s; the loop above may have taken
# longer on a slow machine, and an aged entry is built again).
mc_del "imagier:page:$hexj:/foryou?"
req GET /foryou -b "$jar"
entry="$(mc_get "imagier:page:$hexj:/foryou?")"
id="$(sed -n 's/^@//p' <<<"$entry")"
like "$id" "^${hexj:0:16}[0-9a-f]{32}\$" "the page entry names its body: @, 16 hex digits of the session's hash and 32 random ones"
like "$(mc_get "imagier:pbody:$id")" '<title>For you' "  ... which holds the page"
mc_set "imagier:pbody:$id" "<p>planted-body</p>" 300
req GET /foryou -b "$jar"
is "$STATUS $BODY" "200 <p>planted-body</p>" "  ... and is what nginx sends"
like "$(header content-type)" '^text/html; charset=utf-8' "  ... as HTML"
is "$(grep -c "^cache-control:" <<<"$HEADERS")" 1 "  ... with one Cache-Control"
like "$(header cache-control)" 'private, no-store' "  ... private, no-store"
code="$(curl -s -o /dev/null -w '%{http_code}' -I -b "$jar" "$IMAGIER_URL/foryou")"
is "$code" 200 "  ... HEAD too"
req GET /foryou -b "$jar" -H 'Range: bytes=0-9'
is "$STATUS $BODY" "200 <p>planted-body</p>" "  ... whole, whatever Range asks (a personal page is never sent in parts)"
mc_del "imagier:pbody:$id"
req GET /foryou -b "$jar"
is "$STATUS" 200 "a body gone from memcached: the page is still answered"
like "$BODY" '<title>For you' "  ... built again by the app"
is "$(grep -c "^cache-control:" <<<"$HEADERS")" 1 "  ... with one Cache-Control"
id2="$(mc_get "imagier:page:$hexj:/foryou?" | sed -n 's/^@//p')"
ok "$([[ $id2 =~ ^[0-9a-f]{48}$ && $id2 != "$id" ]] && echo 0 || echo 1)" "  ... and stored under a new body"
# A body gone, on a page with a query: nginx's redirect drops the query,
# and the app takes it from the request's own URI (else it would build, and
# store, the default window under the entry of another).
mc_del "$(pkey /top?window=all)"
req GET "/top?window=all" -b "$jar"
like "$BODY" 'aria-current="page">All time' "/top?window=all is the all-time page"
idt="$(mc_get "$(pkey /top?window=all)" | sed -n 's/^@//p')"
mc_del "imagier:pbody:$idt"
req GET "/top?window=all" -b "$jar"
like "$BODY" 'aria-current="page">All time' "  ... also when its body was gone and the app built it again"
# A rebuilt page's old body is deleted with the new entry's store: a
# session's page holds one body, not one per rebuild.
idt="$(mc_get "$(pkey /top?window=all)" | sed -n 's/^@//p')"
call DELETE "/api/v1/posts/$post1/like" "$OWNER_TOKEN" # a write: the person's version moves
req GET "/top?window=all" -b "$jar"
idt2="$(mc_get "$(pkey /top?window=all)" | sed -n 's/^@//p')"
ok "$([[ -n $idt && -n $idt2 && $idt != "$idt2" ]] && echo 0 || echo 1)" "a page built again has a new body"
is "$(mc_get "imagier:pbody:$idt" | wc -c)" 0 "  ... and the old one is gone from memcached"
code="$(curl -s -o /dev/null -w '%{http_code}' "$IMAGIER_URL/_pagebody/$id2")"
is "$code" 404 "the body's location is nginx's own: a client asking for it gets 404"

# gets_of URL [CURL ARGS...]: "bytes_read N" and "cmd_get N" of one GET of
# URL (bytes_read less the second `stats` command's 7 bytes).
gets_of() {
	local before after
	before="$(mc_stats)"
	curl -s -o /dev/null "${@:2}" "$1"
	after="$(mc_stats)"
	join <(sort <<<"$before") <(sort <<<"$after") |
		awk '$1 == "cmd_get" { print $1, $3 - $2 } $1 == "bytes_read" { print $1, $3 - $2 - 7 }' | sort
}
# post_keys KEY: " imagier:post:ID" for each id of the first page stored
# under KEY (after its stamp line): the posts a first view fetches, those
# the viewer's filters then leave out (another test's removed post, a muted
# author) included.
post_keys() {
	mc_get "$1" | tail -n +2 | jq -r '.i | to_entries[] | select(.key % 2 == 0) | .value' 2>/dev/null | awk '{ printf " imagier:post:%s", $1 }'
}
# A first view (a page never cached: a query of its own) is built from the
# stored timeline (or the for-you candidates) and the post cache in two
# round trips, each key read once: the nine of the round trip above, the
# first page's ids among them, then one multi-get of the page's posts with
# what the person liked of them (its key: "imagier:liked:", the person, their
# version, 16 hex digits). Re-reading a version or the filters it already
# holds, or a third get, would show in cmd_get or bytes_read.
for path in /following /foryou; do
	req GET "$path" -b "$jar"
	shown=$(grep -o 'data-like="[0-9]*"' <<<"$BODY" | sort -u | wc -l)
	ok "$((shown > 0 ? 0 : 1))" "the $path page shows posts"
	got=""
	for ((i = 0; i < 30; i++)); do
		q="first=$i$RANDOM"
		posts="$(post_keys "imagier:fp2:${path#/}:$OWNER_ID")"
		fetched=$(wc -w <<<"$posts")
		uv="$(mc_get "imagier:v:user:$OWNER_ID")"
		liked="imagier:liked:$OWNER_ID:$uv:0123456789abcdef"
		n=$(($(printf 'get %s\r\nget%s %s\r\n' "$(first_keys "$path" "$q" "$jar" "$OWNER_ID")" "$posts" "$liked" | wc -c)))
		want="$(printf 'bytes_read %d\ncmd_get %d' "$n" $((9 + fetched + 1)))"
		got="$(gets_of "$IMAGIER_URL$path?$q" -b "$jar")"
		[[ "$got" == "$want" ]] && break
	done
	is "$got" "$want" "a first view of $path is two multi-gets, each key read once: 9 (its ids among them) + its $fetched posts + their liked map"
done
# Everyone's first view of the site, the latest feed (anonymous: a query of
# its own passes nginx's microcache): the feed version with the first page's
# ids stamped with it, then the posts.
curl -s -o "$TMP/latest.html" "$IMAGIER_URL/?first=all$RANDOM"
shown=$(grep -c 'id="post-[0-9]*"' "$TMP/latest.html")
ok "$((shown > 0 ? 0 : 1))" "the latest feed shows posts"
got=""
for ((i = 0; i < 30; i++)); do
	posts="$(post_keys imagier:fp2:latest:0)"
	fetched=$(wc -w <<<"$posts")
	n=$(($(printf 'get imagier:v:feed imagier:fp2:latest:0\r\nget%s\r\n' "$posts" | wc -c)))
	want="$(printf 'bytes_read %d\ncmd_get %d' "$n" $((2 + fetched)))"
	got="$(gets_of "$IMAGIER_URL/?first=anon$i$RANDOM")"
	[[ "$got" == "$want" ]] && break
done
is "$got" "$want" "an anonymous first view of the latest feed is two multi-gets: the version with the first page's ids, then its $fetched posts"

# A first page's ids are read from their key only under the stamp they were
# stored with: the current one is used as it is (planted empty: the page
# shows nothing), any other line is a miss and the page is built again.
empty='{"r":[],"i":[],"n":0,"l":0}'
# shown URL [CURL ARGS...]: the answer's status and how many posts it shows.
shown() {
	local code
	code=$(curl -s -o "$TMP/shown.html" -w '%{http_code}' "${@:2}" "$1")
	echo "$code $(grep -c 'id="post-[0-9]*"' "$TMP/shown.html")"
}
for feed in following foryou latest; do
	case $feed in
	latest) key="imagier:fp2:latest:0" args=() path=/ ;;
	*) key="imagier:fp2:$feed:$OWNER_ID" args=(-b "$jar") path=/$feed ;;
	esac
	curl -s -o /dev/null "${args[@]}" "$IMAGIER_URL$path?stamp=fill$RANDOM"
	stamp="$(mc_get "$key" | head -n 1)"
	mc_set "$key" "$stamp"$'\n'"$empty" 300
	is "$(shown "$IMAGIER_URL$path?stamp=same$RANDOM" "${args[@]}")" "200 0" \
		"$feed: the first page's ids come from $key under its stamp ($stamp)"
	mc_set "$key" "1$stamp"$'\n'"$empty" 300
	read -r code n < <(shown "$IMAGIER_URL$path?stamp=other$RANDOM" "${args[@]}")
	ok "$([[ $code == 200 ]] && ((n > 0)); echo $?)" "  ... and under another stamp they are a miss: built again ($code, $n posts)"
done

# What the person liked is kept with their version and the ids shown: a
# page built again for the same posts asks MariaDB nothing (counted with
# MariaDB's own statement counters, which count every client's: imagier-gen
# is stopped meanwhile, and the count is asked until a quiet one, since on a
# loaded machine a worker's periodic work may still land in between).
stmts() { sql "SELECT SUM(VARIABLE_VALUE) FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN ('COM_STMT_EXECUTE', 'COM_SELECT')"; }
gen_pid="$(cat "$IMAGIER_VAR/run/gen.pid" 2>/dev/null || true)"
[[ -n $gen_pid ]] && kill -STOP "$gen_pid"
got=""
for ((i = 0; i < 30; i++)); do
	curl -s -o /dev/null -b "$jar" "$IMAGIER_URL/following?first=m$i$RANDOM"
	before="$(stmts)"
	curl -s -o /dev/null -b "$jar" "$IMAGIER_URL/following?first=n$i$RANDOM"
	after="$(stmts)"
	got=$((after - before - 1)) # less the counting SELECT itself
	((got == 0)) && break
done
[[ -n $gen_pid ]] && kill -CONT "$gen_pid"
is "$got" 0 "a first view of posts shown before asks MariaDB nothing"
liked_keys="$(mc_dump | cut -f1 | grep "^imagier:liked:$OWNER_ID:")"
like "$liked_keys" "^imagier:liked:$OWNER_ID:[0-9]+:[0-9a-f]{16}" "  ... the liked map is in memcached, under the person, their version and the ids"
# The posts' copies are packed (lib/json.c json_pack: no JSON to parse on
# a first view), and read back as the post the API shows.
is "$(mc_get "imagier:post:$post1" | head -c 1 | od -An -tx1 | tr -d ' ')" 01 \
	"  ... a post's copy in memcached is in the packed form"
cli cache-post "$post1"
is "$RC" 0 "  ... imagier cache-post reads it"
is "$(jq -r '.id, .prompt' <<<"$OUT" | paste -sd' ')" "$post1 a lighthouse at dusk" "  ... as the post, in JSON"
cli cache-post 999999999
is "$RC" 1 "  ... and says so for a post memcached has no copy of"
# A copy that is no post's tree (another writer, a torn value) is a miss:
# the post is loaded again and its copy stored again.
for bad in '{"x":1}' '[1,2]' "$(printf '\001o\001\001xn')"; do
	mc_set "imagier:post:$post1" "$bad" 300
	cli cache-post "$post1"
	is "$RC" 1 "  ... imagier cache-post does not take it for a copy"
	req GET "/api/v1/feed?kind=latest&v=$RANDOM" -H "Authorization: Bearer $OWNER_TOKEN"
	is "$(json "[.items[] | select(.id == $post1)][0].prompt")" "a lighthouse at dusk" \
		"  ... a copy that is no post ($(printf '%q' "$bad")): the feed shows the post from MariaDB"
	cli cache-post "$post1"
	is "$(jq -r .id <<<"$OUT")" "$post1" "  ... and its copy is stored again"
done

# Only a page a session comes back to is stored: a feed's first page. A
# cursor's page or a made-up parameter is built and answered, never stored
# (else any session could fill memcached with copies of one page).

stored() { # stored PATH QUERY: GET it, then the length of its page entry
	curl -s -o /dev/null -b "$jar" "$IMAGIER_URL$1?$2"
	mc_get "$(pkey "$1?$2")" | wc -c
}
q="flood=$RANDOM"
is "$(stored /following "$q")" 0 "a made-up query parameter: the page is not stored"
q="window=zz$RANDOM"
is "$(stored /top "$q")" 0 "a /top window that is none of its own: not stored"
q="window=day"
is "$(stored /following "$q")" 0 "nor a window on a page that has none"
q="cursor=99999999$RANDOM"
is "$(stored / "$q")" 0 "a cursor's page is not stored"
is "$(stored / "x:r")" 0 "nor a query that looks like another key's"
mc_del "$(pkey "/top?")"
stored /top "" >/dev/null
like "$(mc_get "$(pkey "/top?")" | sed -n 's/^@//p')" '^[0-9a-f]{48}$' "a first page is stored"

# ---- stale when it must be ---------------------------------------------------
req GET /following -b "$jar"
like "$BODY" "data-like=\"$post1\"" "the following page shows the artist's post"
like "$BODY" 'aria-pressed="false"' "  ... not liked yet"
req GET /following -b "$jar"
like "$BODY" 'aria-pressed="false"' "  ... (and again, from the cache)"
call PUT "/api/v1/posts/$post1/like" "$OWNER_TOKEN"
is "$STATUS" 200 "the owner likes it from another session (the API)"
req GET /following -b "$jar"
like "$BODY" 'aria-pressed="true"' "  ... the cached page is stale at once: the like shows"

TOKEN=$ARTIST_TOKEN
upload "$(image png 96 96 32)" "a second lighthouse"
post2="$(json .post.id)"
req GET /following -b "$jar"
like "$BODY" "data-like=\"$post2\"" "a new post by the artist shows at once"

TOKEN=$OWNER_TOKEN
upload "$(image png 96 96 33)" "the owner's own picture"
own="$(json .post.id)"
req GET /following -b "$jar"
unlike "$BODY" 'class="badge"' "no unread notice yet"
call PUT "/api/v1/posts/$own/like" "$ARTIST_TOKEN"
is "$STATUS" 200 "the artist likes the owner's post"
req GET /following -b "$jar"
like "$BODY" '<span class="badge">1</span>' "  ... the notification shows at once in the cached page's badge"

# A like form on a feed page comes back to that page, cursor and all, at
# the card (without JavaScript, the page it was sent from is where the
# person sees the like).
here="/?cursor=$((post2 + 1))"
req GET "$here" -b "$jar"
like "$BODY" "name=\"next\" value=\"/\?cursor=$((post2 + 1))#post-$post2\"" \
	"a card's like form names its page with the query, and the card"
req POST "/p/$post2/like" -b "$jar" --data-urlencode "csrf=$jar_csrf" --data-urlencode "like=1" \
	--data-urlencode "next=$here#post-$post2"
is "$STATUS $(rawheader location)" "303 $here#post-$post2" "  ... and the like goes back there"

# Logout. A page entry under the current versions is served as it is (a
# marker planted under the stamp the page cache checks shows that), and the
# same entry is not served once the session ended.
token="$(jar_token "$jar")"
hex="$(hash_of "$token")"
plant() { # plant BODY [AGE]: the page entry of /following under the current
	# versions, built AGE seconds ago (default 0)
	local fv uv
	fv="$(mc_get imagier:v:feed)" uv="$(mc_get "imagier:v:user:$OWNER_ID")"
	mc_set "imagier:unread:$OWNER_ID" 0 300
	mc_set "imagier:page:$hex:/following?" "$fv:$uv:0:$(($(date +%s) - ${2:-0}))
$1" 300
}
# An aged page (past its 15 s) whose versions still hold: while another
# request holds the rebuild lease, this one is served the aged copy; the
# first request to take the lease builds the page again.
plant "<p>planted-aged</p>" 20
mc_set "imagier:lease:page:$hex:/following?" 1 300
req GET /following -b "$jar"
is "$STATUS $BODY" "200 <p>planted-aged</p>" \
	"an aged page is served while another request rebuilds it"
mc_del "imagier:lease:page:$hex:/following?"
req GET /following -b "$jar"
unlike "$BODY" "planted-aged" "  ... the request that takes the rebuild lease builds the page anew"
like "$BODY" "Following" "  ... the real page"
req GET /following -b "$jar"
unlike "$BODY" "planted-aged" "  ... and the new page is what is cached now"
plant "<p>planted-before-logout</p>"
req GET /following -b "$jar"
is "$STATUS $BODY" "200 <p>planted-before-logout</p>" \
	"an entry stamped with the current versions is what the page cache serves"
req POST /logout -b "$jar" --data-urlencode "csrf=$jar_csrf"
is "$STATUS" 303 "the owner logs out"
plant "<p>planted-after-logout</p>"
req GET /following -H "Cookie: imagier_session=$token"
is "$STATUS $(rawheader location)" "303 /login?next=%2Ffollowing" \
	"  ... the ended session's cookie gets no cached page, however current: log in first"
unlike "$BODY" "planted" "  ... nothing of it"

done_testing

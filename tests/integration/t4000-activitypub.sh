#!/usr/bin/env bash
# t4000-activitypub.sh - the read side of ActivityPub (docs/FEDERATION.md):
# WebFinger finds a person (acct: or actor URL, our host only; 400 for a
# malformed resource, 404 for nobody, another host, the banned and the
# deleted), host-meta and NodeInfo describe the site; /u/NAME and /p/ID are
# an actor and a Note when Accept asks for ActivityPub and HTML otherwise,
# through the real nginx, whichever face its microcache met first; the actor
# has a public RSA key that parses; a Note carries the provenance (IPTC
# digitalSourceType, a line in content, the prompt), its hashtags, its
# content warning, its consent flag and its remix parent; the outbox pages
# Create activities; followers/following count a follow; a deleted account
# and its posts answer 410 with a Tombstone, a removed post 410, a hidden
# post or a banned person 404. Pages of posts without training consent ask
# crawlers not to use them (noai).
source "$(dirname "$0")/lib.sh"
seed=$((RANDOM * 7 + 400000))

AP='application/activity+json'
MASTO='application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
LD='application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
BROWSER='text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
HOST="${IMAGIER_URL#http://}"
# ap PATH: GET PATH as a fediverse server asks for it.
ap() { req GET "$1" -H "Accept: $MASTO"; }
# vary: every Vary header of the last req, lower case, comma separated.
vary() { grep '^vary:' <<<"$HEADERS" | cut -d' ' -f2- | paste -sd, | sed 's/,\([^ ]\)/, \1/g'; }
act() { # act TOKEN TYPE ID ACTION REASON
	call POST /api/v1/admin/actions "$1" \
		"{\"target_type\":\"$2\",\"target_id\":$3,\"action\":\"$4\",\"reason\":\"$5\"}"
}
admin=$(admin_token)

alice="$(uniq_name apa)"
new_user "$alice"
alice_tok=$TOKEN
alice_id=$USER_ID
api PATCH /api/v1/me '{"bio":"I paint <b>robots</b> & \"seas\""}'
tag="$(uniq_name aptag)"
upload "$(image jpeg 640 400 $((seed + 1)))" "a lighthouse at dusk" -F "tags=$tag, sea" \
	--form-string "caption=Look <i>here</i> & there"
p1=$(json .post.id)
upload "$(image jpeg 640 400 $((seed + 2)))" "a storm" -F "content_warning=flashing <lights> & sound"
p2=$(json .post.id)
ok "$([[ $p1 =~ ^[0-9]+$ && $p2 -gt $p1 ]]; echo $?)" "alice has two posts ($p1 $p2)"

# ---- WebFinger -------------------------------------------------------------------
req GET "/.well-known/webfinger?resource=acct:$alice@$HOST"
is "$STATUS" 200 "webfinger acct:name@host: 200"
is "$(header content-type)" "application/jrd+json; charset=utf-8" "... as JRD"
is "$(header access-control-allow-origin)" "*" "... any origin may read it"
is "$(json .subject)" "acct:$alice@$HOST" "... subject"
is "$(json .aliases[0])" "$IMAGIER_URL/u/$alice" "... alias: the actor"
is "$(json '.links[] | select(.rel == "self") | .type')" "$AP" "... a self link of the ActivityPub type"
is "$(json '.links[] | select(.rel == "self") | .href')" "$IMAGIER_URL/u/$alice" "... to the actor"
is "$(json '.links[] | select(.rel == "http://webfinger.net/rel/profile-page") | .href')" \
	"$IMAGIER_URL/u/$alice" "... and the profile page"
req GET "/.well-known/webfinger?resource=acct:${alice^^}@${HOST^^}"
is "$STATUS:$(json .subject)" "200:acct:$alice@$HOST" "names and hosts in any case"
req GET "/.well-known/webfinger" --get --data-urlencode "resource=$IMAGIER_URL/u/$alice"
is "$STATUS:$(json .subject)" "200:acct:$alice@$HOST" "the actor URL as resource"
req GET "/.well-known/webfinger?resource=acct:nobody$RANDOM@$HOST"
is "$STATUS:$(json .error.code)" "404:not_found" "an unknown name: 404"
req GET "/.well-known/webfinger?resource=acct:$alice@elsewhere.example"
is "$STATUS:$(json .error.code)" "404:not_found" "another host: 404"
for bad in "acct:$alice" "acct:@$HOST" "acct:a%20b@$HOST" "mailto:$alice" "$IMAGIER_URL/p/1" \
	"acct:$(head -c 600 /dev/zero | tr '\0' a)@$HOST"; do
	req GET "/.well-known/webfinger" --get --data-urlencode "resource=$bad"
	is "$STATUS:$(json .error.code)" "400:bad_resource" "malformed resource '${bad:0:30}': 400"
done
req GET "/.well-known/webfinger"
is "$STATUS:$(json .error.code)" "400:missing_resource" "no resource: 400"

# ---- host-meta and NodeInfo ------------------------------------------------------
req GET /.well-known/host-meta
is "$STATUS" 200 "host-meta: 200"
like "$(header content-type)" "^application/xrd\+xml" "... XRD"
like "$BODY" "template=\"$IMAGIER_URL/.well-known/webfinger\?resource=\{uri\}\"" "... with the webfinger template"
req GET /.well-known/nodeinfo
is "$(json '.links[] | select(.rel == "http://nodeinfo.diaspora.software/ns/schema/2.1") | .href')" \
	"$IMAGIER_URL/nodeinfo/2.1" "nodeinfo discovery links 2.1"
is "$(json '.links[] | select(.rel == "http://nodeinfo.diaspora.software/ns/schema/2.0") | .href')" \
	"$IMAGIER_URL/nodeinfo/2.0" "... and 2.0"
for v in 2.1 2.0; do
	req GET "/nodeinfo/$v?v=$RANDOM"
	is "$STATUS:$(json .version)" "200:$v" "nodeinfo $v"
	like "$(header content-type)" "profile=\"http://nodeinfo.diaspora.software/ns/schema/$v#\"" "... its profile"
	is "$(jsonc '[.software.name, .protocols, .openRegistrations]')" '["imagier",["activitypub"],true]' \
		"... software, protocols, registrations"
	ok "$(jq -e '(.software.version | test("^[0-9]")) and (.usage.users.total >= 1)
		and (.usage.users.activeMonth >= 1) and (.usage.users.activeHalfyear >= .usage.users.activeMonth)
		and (.usage.localPosts >= 2) and (.metadata.nodeName | length > 0)' <<<"$BODY" >/dev/null; echo $?)" \
		"... version, usage and nodeName"
done

# ---- the actor ---------------------------------------------------------------------
ap "/u/$alice"
is "$STATUS" 200 "the actor: 200"
is "$(header content-type)" "application/activity+json; charset=utf-8" "... as activity+json"
like "$(vary)" "(^|, )accept(,|$)" "... Vary: Accept"
for i in 1 2; do # twice: the second answer may come from nginx's cache
	req GET "/u/$alice" -H "Accept: application/activity+json;q=0, text/html"
	like "$STATUS $(header content-type)" "^200 text/html" "Accept with activity+json at q=0 gets the page ($i)"
	req GET "/u/$alice" -H "Accept: text/html;q=0.5, application/activity+json;q=0.8"
	like "$STATUS $(header content-type)" "^200 application/activity\+json" "... at q=0.8 the actor ($i)"
done
is "$(json .id):$(json .type):$(json .preferredUsername)" "$IMAGIER_URL/u/$alice:Person:$alice" "... a Person"
is "$(jsonc '[.inbox, .outbox, .followers, .following, .endpoints.sharedInbox]')" \
	"[\"$IMAGIER_URL/u/$alice/inbox\",\"$IMAGIER_URL/u/$alice/outbox\",\"$IMAGIER_URL/u/$alice/followers\",\"$IMAGIER_URL/u/$alice/following\",\"$IMAGIER_URL/inbox\"]" \
	"... inbox, outbox, followers, following, shared inbox"
is "$(json .summary)" '<p>I paint &lt;b&gt;robots&lt;/b&gt; &amp; &quot;seas&quot;</p>' "... the bio escaped into a <p>"
is "$(jsonc '[.manuallyApprovesFollowers, .discoverable, .url]')" "[false,true,\"$IMAGIER_URL/u/$alice\"]" \
	"... manuallyApprovesFollowers, discoverable, url"
like "$(json .published)" '^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T' "... published"
is "$(jsonc '.["@context"][0:2]')" '["https://www.w3.org/ns/activitystreams","https://w3id.org/security/v1"]' \
	"... the ActivityStreams and security contexts"
is "$(json '.["@context"][2].imagier')" "https://w3id.org/imagier/ns#" "... and our namespace"
is "$(json .publicKey.id):$(json .publicKey.owner)" "$IMAGIER_URL/u/$alice#main-key:$IMAGIER_URL/u/$alice" \
	"... publicKey id and owner"
json .publicKey.publicKeyPem >"$TMP/pub.pem"
like "$(openssl pkey -pubin -in "$TMP/pub.pem" -noout -text 2>&1 | head -1)" "Public-Key: \(2048 bit\)" \
	"... the key PEM parses: RSA 2048"
unlike "$BODY" "PRIVATE" "... no private key in it"
ap "/u/$alice?v=$RANDOM"
is "$(json .publicKey.publicKeyPem)" "$(cat "$TMP/pub.pem")" "the key stays the same"
is "$(sql "SELECT COUNT(*) FROM ap_keys WHERE user_id = $alice_id")" 1 "... one key pair stored"
req GET "/u/$alice?v=$RANDOM" -H "Accept: $LD"
is "$(json .type)" Person "application/ld+json with the profile: the actor too"
req PUT /api/v1/me/avatar -H "Authorization: Bearer $alice_tok" -F "avatar=@$(image png 300 300 $((seed + 9)))"
is "$STATUS" 200 "alice sets an avatar"
ap "/u/$alice?v=$RANDOM"
is "$(json .icon.type):$(json .icon.mediaType)" "Image:image/jpeg" "an avatar: icon with its mediaType"
like "$(json .icon.url)" "^$IMAGIER_URL/media/.*\.jpg$" "... at its absolute URL"

# what it costs (diagnostics, not checks): the first fetch makes the key pair
tm="$(uniq_name aptime)"
new_user "$tm"
t_first=$(curl -s -o /dev/null -w '%{time_total}' -H "Accept: $AP" "$IMAGIER_URL/u/$tm?t=1")
t_next=$(curl -s -o /dev/null -w '%{time_total}' -H "Accept: $AP" "$IMAGIER_URL/u/$tm?t=2")
t_hit=$(curl -s -o /dev/null -w '%{time_total}' -H "Accept: $AP" "$IMAGIER_URL/u/$tm?t=2")
t_note=$(curl -s -o /dev/null -w '%{time_total}' -H "Accept: $AP" "$IMAGIER_URL/p/$p1?t=3")
echo "# actor: first fetch (makes the RSA-2048 key) ${t_first}s, next ${t_next}s, cached ${t_hit}s; a Note ${t_note}s"

# ---- content negotiation through nginx's microcache, both orders ----------------
# (fresh query strings: nothing cached yet for these URLs)
q="?neg=$RANDOM$RANDOM"
req GET "/u/$alice$q" -H "Accept: $AP"
is "$(json .type):$(header x-cache)" "Person:miss" "JSON first: the actor (a miss)"
req GET "/u/$alice$q" -H "Accept: $BROWSER"
like "$(header content-type)" "^text/html" "... then a browser: HTML, not the cached JSON"
like "$BODY" "<html" "... an HTML page"
like "$(vary)" "(^|, )accept(,|$)" "... Vary: Accept on the HTML too"
req GET "/u/$alice$q" -H "Accept: $AP"
is "$(json .type):$(header x-cache)" "Person:hit" "... the JSON again: from the cache, still JSON"
req GET "/u/$alice$q" -H "Accept: $BROWSER"
is "$(header x-cache)" "hit" "... the HTML again: from the cache"
like "$(header content-type)" "^text/html" "... still HTML"
q="?neg=$RANDOM$RANDOM"
req GET "/p/$p1$q" -H "Accept: $BROWSER"
like "$(header content-type):$(header x-cache)" "^text/html.*:miss" "HTML first: the page (a miss)"
req GET "/p/$p1$q" -H "Accept: $MASTO"
is "$(json .type)" Note "... then a server: the Note, not the cached HTML"
is "$(header content-type)" "application/activity+json; charset=utf-8" "... as activity+json"
req GET "/p/$p1$q" -H "Accept: $MASTO"
is "$(json .type):$(header x-cache)" "Note:hit" "... cached in its own right"
req GET "/p/$p1$q" -H "Accept: $BROWSER"
like "$(header content-type):$(header x-cache)" "^text/html.*:hit" "... and the HTML, cached, still HTML"
like "$BODY" "<link rel=\"alternate\" type=\"application/activity\+json\" href=\"$IMAGIER_URL/p/$p1\"" \
	"... the page links its Note (rel=alternate)"
req GET "/u/$alice?v=$RANDOM" -H "Accept: $BROWSER"
like "$BODY" "<link rel=\"alternate\" type=\"application/activity\+json\" href=\"$IMAGIER_URL/u/$alice\"" \
	"the profile page links its actor (rel=alternate)"
req GET "/api/v1/posts/$p1" -H "Accept: $AP"
is "$(json .post.id)" "$p1" "the API is not negotiated"

# ---- the Note ------------------------------------------------------------------------
ap "/p/$p1?v=$RANDOM"
is "$STATUS:$(json .id):$(json .type)" "200:$IMAGIER_URL/p/$p1:Note" "a post is a Note"
is "$(json .attributedTo)" "$IMAGIER_URL/u/$alice" "... attributed to its author"
is "$(jsonc '[.to, .cc]')" "[[\"https://www.w3.org/ns/activitystreams#Public\"],[\"$IMAGIER_URL/u/$alice/followers\"]]" \
	"... public, cc followers"
like "$(json .content)" "<p>Look &lt;i&gt;here&lt;/i&gt; &amp; there</p>" "... the caption escaped"
like "$(json .content)" "<p>AI-generated image \(prompt: a lighthouse at dusk\)</p>" "... the provenance line"
is "$(json '.["imagier:prompt"]')" "a lighthouse at dusk" "... the prompt on its own"
is "$(json '.attachment | length'):$(json .attachment[0].type)" "1:Document" "... one Document"
is "$(json .attachment[0].digitalSourceType)" \
	"http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia" "... IPTC: trainedAlgorithmicMedia"
is "$(jsonc '[.attachment[0].mediaType, .attachment[0].width, .attachment[0].height]')" '["image/jpeg",640,400]' \
	"... full size, JPEG"
is "$(json .attachment[0].name)" "a lighthouse at dusk" "... alt text: the prompt"
is "$(json .attachment[0].blurhash)" "$(sql "SELECT i.blurhash FROM posts p JOIN images i ON i.id = p.image_id WHERE p.id = $p1")" \
	"... the image's blurhash"
att="$(json .attachment[0].url)"
is "$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$att")" "200 image/jpeg" "... its URL serves the JPEG"
is "$(jsonc '[.tag[] | select(.type == "Hashtag") | .name] | sort')" "[\"#$tag\",\"#sea\"]" "... Hashtags"
is "$(json ".tag[] | select(.name == \"#$tag\") | .href")" "$IMAGIER_URL/t/$tag" "... linking the tag page"
is "$(jsonc '[.sensitive, .summary]')" '[false,null]' "... not sensitive"
is "$(json '.["imagier:trainingConsent"]')" false "... no consent to training (off by default)"
ap "/p/$p2?v=$RANDOM"
is "$(jsonc '[.sensitive, .summary]')" '[true,"flashing &lt;lights&gt; &amp; sound"]' "a content warning: sensitive, summary (HTML, escaped)"
TOKEN=$alice_tok
api PATCH "/api/v1/posts/$p1" '{"training_consent":"yes"}'
ap "/p/$p1?v=$RANDOM"
is "$(json '.["imagier:trainingConsent"]')" true "consent given: trainingConsent true"

# the page of a post without consent asks crawlers not to use it
req GET "/p/$p2?v=$RANDOM"
like "$BODY" '<meta name="robots" content="noai, noimageai">' "a page without consent: robots noai, noimageai"
req GET "/p/$p1?v=$RANDOM"
unlike "$BODY" 'noai' "... a page with consent: none"

# a remix links its parent, not as a reply
api POST "/api/v1/posts/$p1/remix" '{"prompt":"the lighthouse in snow"}'
g=$(json .generation.id)
for ((i = 0; i < 150; i++)); do
	api GET "/api/v1/generations/$g"
	[[ $(json .generation.status) == queued || $(json .generation.status) == running ]] || break
	sleep 0.2
done
api POST "/api/v1/generations/$g/publish" '{"caption":"snowy"}'
p3=$(json .post.id)
is "$(json .post.parent_id)" "$p1" "a remix published ($p3)"
ap "/p/$p3"
is "$(json ".tag[] | select(.type == \"Link\") | .href")" "$IMAGIER_URL/p/$p1" "... a Link tag to its parent"
is "$(json ".tag[] | select(.type == \"Link\") | .rel")" "https://w3id.org/imagier/ns#remixOf" "... rel remixOf"
is "$(json '.["imagier:remixOf"]')" "$IMAGIER_URL/p/$p1" "... imagier:remixOf"
is "$(json .inReplyTo)" null "... not a reply"
like "$(json .content)" "AI-generated image, made with procedural-v1 \(prompt: the lighthouse in snow\)" \
	"... the provenance line names the model"

# ---- outbox ---------------------------------------------------------------------------
bulk="$(uniq_name apbulk)"
new_user "$bulk"
bulk_tok=$TOKEN
ids=()
for ((i = 0; i < 22; i++)); do
	upload "$(image png 32 32 $((seed + 100 + i)))" "bulk $i"
	ids+=("$(json .post.id)")
done
ap "/u/$bulk/outbox"
is "$(json .type):$(json .totalItems)" "OrderedCollection:22" "outbox: 22 items"
is "$(json .first)" "$IMAGIER_URL/u/$bulk/outbox?page=true" "... first page"
is "$(json .last)" "$IMAGIER_URL/u/$bulk/outbox?page=true&min_id=0" "... last page"
ap "/u/$bulk/outbox?page=true"
is "$(json .type):$(json '.orderedItems | length')" "OrderedCollectionPage:20" "page 1: 20 items"
is "$(json .orderedItems[0].type):$(json .orderedItems[0].object.type)" "Create:Note" "... Create activities of Notes"
is "$(json .orderedItems[0].id)" "$IMAGIER_URL/p/${ids[21]}#create" "... newest first, id #create"
is "$(json .orderedItems[0].actor)" "$IMAGIER_URL/u/$bulk" "... by the actor"
is "$(jsonc '.orderedItems[0].to')" '["https://www.w3.org/ns/activitystreams#Public"]' "... public"
is "$(json .next)" "$IMAGIER_URL/u/$bulk/outbox?page=true&max_id=${ids[2]}" "... next: keyset on the post id"
ap "/u/$bulk/outbox?page=true&max_id=${ids[2]}"
is "$(jsonc '[.orderedItems[].object.id]')" "[\"$IMAGIER_URL/p/${ids[1]}\",\"$IMAGIER_URL/p/${ids[0]}\"]" \
	"page 2: the two oldest"
is "$(json .next)" null "... no next"
is "$(json .prev)" "$IMAGIER_URL/u/$bulk/outbox?page=true&min_id=${ids[1]}" "... a prev"
ap "/u/$bulk/outbox?page=true&min_id=0"
is "$(json '.orderedItems | length'):$(json .orderedItems[19].object.id)" "20:$IMAGIER_URL/p/${ids[0]}" \
	"last page: the 20 oldest, the oldest at the end"
ap "/u/$bulk/outbox?page=true&max_id=abc"
is "$STATUS" 400 "a bad cursor: 400"
act "$admin" post "${ids[21]}" hide "test" >/dev/null
ap "/u/$bulk/outbox?page=true&v=$RANDOM"
is "$(json .orderedItems[0].object.id)" "$IMAGIER_URL/p/${ids[20]}" "a hidden post leaves the outbox"
ap "/p/${ids[21]}?v=$RANDOM"
is "$STATUS" 404 "... and its Note answers 404"
unlike "$BODY" "bulk 21" "... without its content"

# ---- followers / following ------------------------------------------------------------
ap "/u/$alice/followers"
is "$(json .type):$(json .totalItems)" "OrderedCollection:0" "followers: none yet"
TOKEN=$bulk_tok
api PUT "/api/v1/users/$alice/follow"
is "$STATUS" 200 "bulk follows alice"
ap "/u/$alice/followers?v=$RANDOM"
is "$(json .totalItems)" 1 "alice's followers: 1"
ap "/u/$alice/followers?page=true&v=$RANDOM"
is "$(jsonc .orderedItems)" "[\"$IMAGIER_URL/u/$bulk\"]" "... the follower's actor URL"
ap "/u/$bulk/following?v=$RANDOM"
is "$(json .totalItems)" 1 "bulk's following: 1"
ap "/u/$bulk/following?page=true&v=$RANDOM"
is "$(jsonc .orderedItems)" "[\"$IMAGIER_URL/u/$alice\"]" "... alice's actor URL"

# ---- removed, banned, deleted -------------------------------------------------------
act "$admin" post "$p2" remove "test" >/dev/null
ap "/p/$p2?v=$RANDOM"
is "$STATUS:$(json .type):$(json .formerType)" "410:Tombstone:Note" "a removed post: 410 Tombstone"
unlike "$BODY" "storm|flashing" "... none of its content"
banned="$(uniq_name apban)"
new_user "$banned"
act "$admin" user "$USER_ID" ban "spam" >/dev/null
ap "/u/$banned?v=$RANDOM"
is "$STATUS:$(json .error.code)" "404:not_found" "a banned person: 404"
req GET "/.well-known/webfinger?resource=acct:$banned@$HOST&v=$RANDOM"
is "$STATUS" 404 "... not found by webfinger"
gone="$(uniq_name apgone)"
new_user "$gone"
upload "$(image png 32 32 $((seed + 200)))" "soon gone"
gp=$(json .post.id)
ap "/u/$gone"
ap "/u/$gone"
is "$STATUS:$(json .type):$(header x-cache)" "200:Person:hit" "an actor, cached by nginx"
api DELETE /api/v1/me "{\"password\":\"correct horse $gone\"}"
is "$STATUS" 200 "an account deleted"
ap "/u/$gone"
is "$STATUS:$(json .type)" "410:Tombstone" "... its cached actor is replaced at once"
ap "/u/$gone?v=$RANDOM"
is "$STATUS:$(json .type):$(json .formerType)" "410:Tombstone:Person" "its actor: 410 Tombstone"
is "$(json .id)" "$IMAGIER_URL/u/$gone" "... with its id"
like "$(json .deleted)" '^20' "... and when"
ap "/p/$gp?v=$RANDOM"
is "$STATUS:$(json .type)" "410:Tombstone" "its post: 410 Tombstone"
unlike "$BODY" "soon gone" "... none of its content"
req GET "/.well-known/webfinger?resource=acct:$gone@$HOST&v=$RANDOM"
is "$STATUS" 404 "... webfinger: 404"
req GET "/u/$gone?v=$RANDOM"
is "$STATUS" 404 "... the HTML page as before: 404"
req POST /api/v1/accounts -H 'Content-Type: application/json' \
	--data "{\"username\":\"${gone^^}\",\"password\":\"correct horse $gone\"}"
is "$STATUS:$(json .error.code)" "409:username_taken" "an erased name is not given to a newcomer (any case)"
ap "/u/nobody$RANDOM"
is "$STATUS:$(json .error.code)" "404:not_found" "nobody by that name: 404 in JSON"
ap "/p/999999999"
is "$STATUS" 404 "no such post: 404"

done_testing

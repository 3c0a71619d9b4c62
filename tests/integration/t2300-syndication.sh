#!/usr/bin/env bash
# t2300-syndication.sh - public pages outside the site: an Atom and an RSS
# feed per person and per tag, and oEmbed. The feeds are well-formed XML
# with the newest visible posts first, text that round-trips through the
# escaping (markup, quotes, ampersands), enclosures that resolve to JPEGs;
# a tag feed lists only its tag's posts; moderated posts, banned people and
# unknown names stay out. oEmbed answers a post of this site with the stored
# size that fits maxwidth/maxheight (scaled down when none does), in JSON or
# XML, and says 400/404/501 for what it cannot answer. The pages link both.
source "$(dirname "$0")/lib.sh"

# xq FILE COMMAND ...: what a feed reader sees in the XML file FILE.
#   check                   exit 0 when it is well-formed XML
#   text  PATH              each matching element's text, one a line
#   attr  PATH NAME         each match's attribute NAME, one a line
#   html  PATH              each match's text read as HTML: its text, tags dropped
#   img   PATH              each match's text read as HTML: its <img src>
# PATH is ElementTree's XPath subset; prefixes a: (Atom) and dc: (Dublin Core).
cat >"$TMP/xq.py" <<'PY'
import signal, sys, html.parser, xml.etree.ElementTree as ET
signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # xq ... | head -1
ns = {"a": "http://www.w3.org/2005/Atom", "dc": "http://purl.org/dc/elements/1.1/"}
try:
    root = ET.parse(sys.argv[1]).getroot()
except ET.ParseError as e:
    print(e, file=sys.stderr)
    sys.exit(1)
cmd = sys.argv[2]
if cmd == "check":
    sys.exit(0)
class Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out, self.imgs = [], []
    def handle_data(self, d):
        self.out.append(d)
    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.imgs.append(dict(attrs).get("src", ""))
for el in root.findall(sys.argv[3], ns):
    if cmd == "text":
        print(el.text or "")
    elif cmd == "attr":
        print(el.get(sys.argv[4], ""))
    else:
        p = Text()
        p.feed(el.text or "")
        print(" ".join("".join(p.out).split()) if cmd == "html" else " ".join(p.imgs))
PY
xq() { python3 "$TMP/xq.py" "$@"; }
# save: the last BODY into a file for xq.
save() { printf '%s' "$BODY" >"$TMP/$1"; echo "$TMP/$1"; }
# The post ids of a list of post URLs (one a line), space separated.
ids_of() { sed -E 's#.*/p/([0-9]+)$#\1#' | tr '\n' ' ' | sed 's/ $//'; }
# The path of an absolute URL of this site (feeds use site.base_url, which
# need not be the address this test reaches the stack at).
path_of() { sed -E 's#^https?://[^/]+##' <<<"$1"; }

tag="$(uniq_name syndtag)"
P="Fish <b>&amp; chips</b> \"quoted\" & 'single'"
CAPTION="A caption with <i>markup</i> & an ampersand"

alice="$(uniq_name synda)"
new_user "$alice"
upload "$(image jpeg 1600 1000 2301)" "first of alice" -F "tags=$tag"
p1=$(json .post.id)
upload "$(image jpeg 1600 1000 2302)" "second of alice, untagged"
p2=$(json .post.id)
# curl -F would read ';' and '<' in a value as options: the text goes verbatim.
req POST /api/v1/posts -H "Authorization: Bearer $TOKEN" -F "image=@$(image jpeg 1600 1000 2303)" \
	--form-string "prompt=$P" --form-string "tags=$tag, sea" --form-string "caption=$CAPTION"
p3=$(json .post.id)
bob="$(uniq_name syndb)"
new_user "$bob"
upload "$(image jpeg 1600 1000 2304)" "bob's tagged post" -F "tags=$tag"
p4=$(json .post.id)
ok "$([[ $p1 =~ ^[0-9]+$ && $p2 -gt $p1 && $p3 -gt $p2 && $p4 -gt $p3 ]]; echo $?)" \
	"four posts uploaded ($p1 $p2 $p3 $p4)"

# ---- Atom, a person's feed -----------------------------------------------------

req GET "/u/$alice/feed.atom"
is "$STATUS" 200 "atom: the feed of a person answers"
is "$(header content-type)" "application/atom+xml; charset=utf-8" "atom: its type"
like "$(header cache-control)" 'max-age' "atom: it says how long it may be cached"
etag="$(rawheader etag)"
like "$etag" '^"[0-9a-f]{32}"$' "atom: it has an ETag"
like "$(header last-modified)" '^[a-z]{3}, [0-9]{2} [a-z]{3} [0-9]{4} [0-9:]{8} gmt$' \
	"atom: and a Last-Modified date"
atom="$(save alice.atom)"
ok "$(xq "$atom" check; echo $?)" "atom: well-formed XML"
is "$(xq "$atom" text 'a:entry/a:id' | ids_of)" "$p3 $p2 $p1" \
	"atom: the person's posts, newest first, and no one else's"
self="$(xq "$atom" attr "a:link[@rel='self']" href)"
like "$self" "^https?://[^/]+/u/$alice/feed\.atom$" "atom: rel=self is the feed's absolute URL"
ORIGIN="${self%/u/"$alice"/feed.atom}"
is "$(xq "$atom" attr "a:link[@rel='alternate']" href)" "$ORIGIN/u/$alice" \
	"atom: rel=alternate is the profile page"
is "$(xq "$atom" text 'a:id')" "$ORIGIN/u/$alice" "atom: the feed's id"
is "$(xq "$atom" text 'a:author/a:name')" "$alice" "atom: the feed's author"
like "$(xq "$atom" text 'a:updated')" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' \
	"atom: updated is RFC 3339"
is "$(xq "$atom" attr 'a:entry/a:link[@rel="alternate"]' href | head -1)" "$ORIGIN/p/$p3" \
	"atom: an entry links to its post"
is "$(xq "$atom" text 'a:entry/a:title' | head -1)" "$P" \
	"atom: a prompt with <b>, &amp;, quotes and & round-trips as the title"
content="$(xq "$atom" html "a:entry/a:content[@type='html']" | head -1)"
ok "$([[ $content == *"Prompt: $P"* ]]; echo $?)" "atom: the content carries the prompt, escaped once"
ok "$([[ $content == *"$CAPTION"* ]]; echo $?)" "atom: ... and the caption"
ok "$([[ $content == *"AI-generated image by @$alice"* ]]; echo $?)" "atom: ... and says it is AI-generated"
img="$(xq "$atom" img "a:entry/a:content" | head -1)"
like "$img" "^$ORIGIN/media/.+\.jpg$" "atom: the content shows the picture by absolute URL"
fetch "$(path_of "$img")" "$TMP/content.jpg"
is "$F_STATUS $F_TYPE" "200 image/jpeg" "atom: the content's picture loads through nginx"
is "$(xq "$atom" attr 'a:entry/a:category' term | head -2 | tr '\n' ' ')" "$tag sea " \
	"atom: one category per tag"
like "$(xq "$atom" text 'a:entry/a:published' | head -1)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' \
	"atom: published is RFC 3339"
is "$(xq "$atom" attr "a:entry/a:link[@rel='enclosure']" type | sort -u)" "image/jpeg" \
	"atom: every entry has a JPEG enclosure"
enc="$(xq "$atom" attr "a:entry/a:link[@rel='enclosure']" href | head -1)"
len="$(xq "$atom" attr "a:entry/a:link[@rel='enclosure']" length | head -1)"
fetch "$(path_of "$enc")" "$TMP/enc.jpg"
is "$F_STATUS $F_TYPE" "200 image/jpeg" "atom: the enclosure resolves to a JPEG through nginx"
is "$(stat -c %s "$TMP/enc.jpg")" "$len" "atom: the enclosure's length is the file's size"

is "$(http_code "/u/$alice/feed.atom" -H "If-None-Match: $etag")" 304 \
	"atom: If-None-Match with the ETag gets 304"
is "$(curl -s -o /dev/null -w '%{size_download}' -H "If-None-Match: $etag" "$IMAGIER_URL/u/$alice/feed.atom")" \
	0 "atom: ... and no body"
is "$(http_code "/u/$alice/feed.atom" -H 'If-None-Match: "0123456789abcdef0123456789abcdef"')" 200 \
	"atom: another ETag gets the feed"
req GET "/u/${alice^^}/feed.atom"
is "$STATUS" 200 "atom: the name is found whatever its case"
like "$BODY" "<title>@$alice on " "atom: ... and the feed spells it as stored"

# ---- RSS, a person's feed ----------------------------------------------------

req GET "/u/$alice/feed.rss"
is "$STATUS" 200 "rss: the feed of a person answers"
is "$(header content-type)" "application/rss+xml; charset=utf-8" "rss: its type"
rss="$(save alice.rss)"
ok "$(xq "$rss" check; echo $?)" "rss: well-formed XML"
is "$(xq "$rss" text 'channel/item/guid' | ids_of)" "$p3 $p2 $p1" "rss: newest first"
is "$(xq "$rss" attr 'channel/item/guid' isPermaLink | sort -u)" true "rss: guids are permalinks"
is "$(xq "$rss" text 'channel/item/link' | head -1)" "$ORIGIN/p/$p3" "rss: an item links to its post"
is "$(xq "$rss" text 'channel/link')" "$ORIGIN/u/$alice" "rss: the channel links to the profile"
is "$(xq "$rss" text 'channel/item/title' | head -1)" "$P" "rss: the prompt round-trips as the title"
like "$(xq "$rss" text 'channel/item/pubDate' | head -1)" \
	'^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9:]{8} \+0000$' \
	"rss: pubDate is RFC 822"
is "$(xq "$rss" text 'channel/item/dc:creator' | sort -u)" "$alice" "rss: dc:creator names the author"
is "$(xq "$rss" text 'channel/item/category' | head -2 | tr '\n' ' ')" "$tag sea " "rss: categories"
desc="$(xq "$rss" html 'channel/item/description' | head -1)"
ok "$([[ $desc == *"Prompt: $P"* && $desc == *"$CAPTION"* && $desc == *AI-generated* ]]; echo $?)" \
	"rss: the description carries prompt, caption and the AI label"
is "$(xq "$rss" attr 'channel/item/enclosure' type | sort -u)" "image/jpeg" "rss: JPEG enclosures"
enc="$(xq "$rss" attr 'channel/item/enclosure' url | head -1)"
len="$(xq "$rss" attr 'channel/item/enclosure' length | head -1)"
fetch "$(path_of "$enc")" "$TMP/enc2.jpg"
is "$F_STATUS $F_TYPE" "200 image/jpeg" "rss: the enclosure resolves"
is "$(stat -c %s "$TMP/enc2.jpg")" "$len" "rss: ... with the length it states"

# ---- tag feeds -----------------------------------------------------------------

req GET "/t/$tag/feed.atom"
is "$STATUS" 200 "tag atom: answers"
f="$(save tag.atom)"
ok "$(xq "$f" check; echo $?)" "tag atom: well-formed"
is "$(xq "$f" text 'a:entry/a:id' | ids_of)" "$p4 $p3 $p1" \
	"tag atom: only the tagged posts, of everyone, newest first"
is "$(xq "$f" text 'a:entry/a:author/a:name' | tr '\n' ' ')" "$bob $alice $alice " \
	"tag atom: each entry names its author"
is "$(xq "$f" attr "a:link[@rel='self']" href)" "$ORIGIN/t/$tag/feed.atom" "tag atom: rel=self"
req GET "/t/$tag/feed.rss"
f="$(save tag.rss)"
is "$STATUS" 200 "tag rss: answers"
ok "$(xq "$f" check; echo $?)" "tag rss: well-formed"
is "$(xq "$f" text 'channel/item/guid' | ids_of)" "$p4 $p3 $p1" "tag rss: only the tagged posts"

# ---- a post with a content warning: the warning, not the picture -------------

dave="$(uniq_name syndw)"
new_user "$dave"
upload "$(image jpeg 800 500 2306)" "a stormy sea" -F "content_warning=flashing lights"
cw_post=$(json .post.id)
req GET "/u/$dave/feed.atom"
f="$(save cw.atom)"
is "$(xq "$f" text 'a:entry/a:title')" "[CW: flashing lights] a stormy sea" \
	"cw: the title carries the warning first"
like "$(xq "$f" html 'a:entry/a:content')" "^Content warning: flashing lights\. See the picture on " \
	"cw: the content opens with the warning and a link to the post"
is "$(xq "$f" img 'a:entry/a:content')" "" "cw: ... and shows no picture"
is "$(xq "$f" attr "a:entry/a:link[@rel='enclosure']" href)" "" "cw: ... nor an enclosure"
req GET "/u/$dave/feed.rss"
f="$(save cw.rss)"
is "$(xq "$f" attr 'channel/item/enclosure' url)" "" "cw: no RSS enclosure either"
req GET "/oembed?url=/p/$cw_post"
is "$STATUS $(json .content_warning)" "200 flashing lights" "cw: oEmbed names the warning"

# A long prompt: the title is its start, cut at a word, with an ellipsis.
long="$(printf 'word%d  ' $(seq 1 40))"
upload "$(image jpeg 400 300 2307)" "$long"
req GET "/u/$dave/feed.rss?long=1" # (past the microcache's copy)
f="$(save long.rss)"
is "$(xq "$f" text 'channel/item/title' | head -1)" \
	"$(printf 'word%d ' $(seq 1 11))word12…" "a long prompt's title stops at a word near 80 characters"

# ---- what is not there -----------------------------------------------------------

req GET "/u/$(uniq_name nobody)/feed.atom"
is "$STATUS" 404 "an unknown person's feed is 404"
req GET "/u/$(uniq_name nobody)/feed.rss"
is "$STATUS" 404 "... in RSS too"
req GET "/t/$(uniq_name notag)/feed.atom"
is "$STATUS" 404 "an unknown tag's feed is 404"
req GET "/t/$(uniq_name notag)/feed.rss"
is "$STATUS" 404 "... in RSS too"

carol="$(uniq_name syndc)"
new_user "$carol"
upload "$(image jpeg 400 300 2305)" "carol posts, then is banned"
sql "UPDATE users SET banned_at = UNIX_TIMESTAMP() WHERE username = '$carol'"
req GET "/u/$carol/feed.atom"
is "$STATUS" 404 "a banned person's feed is 404"
req GET "/u/$carol/feed.rss"
is "$STATUS" 404 "... in RSS too"

# A post hidden by moderation (the cached copy of the post dropped, as the
# moderation action does; a new query string passes nginx's microcache).
sql "UPDATE posts SET mod_state = 'hidden' WHERE id = $p1"
mc_delete "imagier:post:$p1"
req GET "/u/$alice/feed.atom?after=hide"
is "$(printf '%s' "$BODY" >"$TMP/h.atom"; xq "$TMP/h.atom" text 'a:entry/a:id' | ids_of)" "$p3 $p2" \
	"a hidden post leaves the person's Atom feed"
req GET "/u/$alice/feed.rss?after=hide"
is "$(printf '%s' "$BODY" >"$TMP/h.rss"; xq "$TMP/h.rss" text 'channel/item/guid' | ids_of)" "$p3 $p2" \
	"... and the RSS feed"
req GET "/t/$tag/feed.atom?after=hide"
is "$(printf '%s' "$BODY" >"$TMP/ht.atom"; xq "$TMP/ht.atom" text 'a:entry/a:id' | ids_of)" "$p4 $p3" \
	"... and the tag's feed"

# ---- oEmbed ----------------------------------------------------------------------

req GET "/oembed?url=/p/$p3"
is "$STATUS" 200 "oembed: a post by its path"
is "$(header content-type)" "application/json" "oembed: JSON by default"
is "$(json .type) $(json .version)" "photo 1.0" "oembed: type photo, version 1.0"
is "$(json .title)" "$P" "oembed: the title is the prompt"
is "$(json .author_name)" "$alice" "oembed: author_name"
is "$(json .author_url)" "$ORIGIN/u/$alice" "oembed: author_url"
isnt "$(json .provider_name)" "" "oembed: provider_name"
is "$(json .provider_url)" "$ORIGIN/" "oembed: provider_url"
is "$(json .width)x$(json .height)" "1280x800" "oembed: 1280 wide without maxwidth"
url1280="$(json .url)"
fetch "$(path_of "$url1280")" "$TMP/o.jpg"
is "$F_STATUS $F_TYPE" "200 image/jpeg" "oembed: url resolves to a JPEG"
is "$(python3 -c 'import sys,struct
d=open(sys.argv[1],"rb").read(); i=2
while i < len(d):
    m=d[i+1]; n=struct.unpack(">H",d[i+2:i+4])[0]
    if 0xC0<=m<=0xCF and m not in (0xC4,0xC8,0xCC):
        h,w=struct.unpack(">HH",d[i+5:i+9]); print(f"{w}x{h}"); break
    i+=2+n' "$TMP/o.jpg")" "1280x800" "oembed: ... whose pixels are the size it states"
is "$(json .thumbnail_width)x$(json .thumbnail_height)" "320x200" "oembed: a 320 px thumbnail"
fetch "$(path_of "$(json .thumbnail_url)")" "$TMP/t.jpg"
is "$F_STATUS $F_TYPE" "200 image/jpeg" "oembed: thumbnail_url resolves"
thumb_url="$(json .thumbnail_url)"

req GET "/oembed?url=$(jq -rn --arg u "$ORIGIN/p/$p3" '$u|@uri')"
is "$STATUS $(json .url)" "200 $url1280" "oembed: the post's absolute URL"
req GET "/oembed?url=$(jq -rn --arg u "$IMAGIER_URL/p/$p3/?utm=x#top" '$u|@uri')&format=json"
is "$STATUS $(json .url)" "200 $url1280" "oembed: the address the browser showed, with a query"
req GET "/oembed?url=/p/$p3&maxwidth=700"
is "$(json .width)x$(json .height)" "640x400" "oembed: maxwidth=700 picks the 640 size"
req GET "/oembed?url=/p/$p3&maxheight=250"
is "$(json .width)x$(json .height)" "320x200" "oembed: maxheight=250 picks the 320 size"
req GET "/oembed?url=/p/$p3&maxwidth=5000"
is "$(json .width)x$(json .height)" "1280x800" \
	"oembed: a large maxwidth still gets the largest labelled size, never the original"
req GET "/oembed?url=/p/$p3&maxwidth=300"
is "$(json .width)x$(json .height)" "300x187" \
	"oembed: when no size fits, the smallest, scaled down to maxwidth"
is "$(json .url)" "$thumb_url" "oembed: ... whose url is the smallest file"
is "$(json .thumbnail_width)x$(json .thumbnail_height)" "300x187" \
	"oembed: the thumbnail never exceeds maxwidth either"
req GET "/oembed?url=/p/$p3&maxwidth=300&maxheight=100"
is "$(json .width)x$(json .height)" "160x100" "oembed: both limits: the tighter one wins"

req GET "/oembed?url=/p/$p3&format=xml&maxwidth=700"
is "$STATUS" 200 "oembed xml: answers"
is "$(header content-type)" "text/xml; charset=utf-8" "oembed xml: its type"
f="$(save o.xml)"
ok "$(xq "$f" check; echo $?)" "oembed xml: well-formed"
is "$(xq "$f" text 'type') $(xq "$f" text 'version')" "photo 1.0" "oembed xml: type and version"
is "$(xq "$f" text 'title')" "$P" "oembed xml: the title round-trips"
is "$(xq "$f" text 'width')x$(xq "$f" text 'height')" "640x400" "oembed xml: maxwidth applies"
is "$(xq "$f" text 'author_name')" "$alice" "oembed xml: author_name"

req GET "/oembed?url=/p/$p3&format=yaml"
is "$STATUS" 501 "oembed: an unsupported format is 501"
req GET "/oembed"
is "$STATUS $(json .error.code)" "400 missing_url" "oembed: no url is 400"
req GET "/oembed?url=ftp%3A%2F%2Fexample.org%2Fp%2F1"
is "$STATUS" 400 "oembed: a url that is no web address is 400"
req GET "/oembed?url=p/$p3"
is "$STATUS" 400 "oembed: a relative path without / is 400"
req GET "/oembed?url=https%3A%2F%2Fother.example%2Fp%2F$p3"
is "$STATUS" 404 "oembed: a post address of another site is 404"
req GET "/oembed?url=%2F%2Fother.example%2Fp%2F$p3"
is "$STATUS" 400 "oembed: a scheme-relative address is refused"
req GET "/oembed?url=/u/$alice"
is "$STATUS" 404 "oembed: an address of this site that is not a post is 404"
req GET "/oembed?url=/p/${p3}x"
is "$STATUS" 404 "oembed: /p/ID with more after it is 404"
req GET "/oembed?url=/p/999999999999"
is "$STATUS" 404 "oembed: a post that does not exist is 404"
req GET "/oembed?url=/p/$p1"
is "$STATUS" 404 "oembed: a hidden post is 404"
req GET "/oembed?url=/p/$p3&maxwidth=abc"
is "$STATUS" 400 "oembed: a maxwidth that is not a number is 400"
req GET "/oembed?url=/p/$p3&maxheight=0"
is "$STATUS" 400 "oembed: maxheight=0 is 400"

# ---- the pages link them -------------------------------------------------------------

req GET "/u/$alice?links=1"
like "$BODY" "<link rel=\"alternate\" type=\"application/atom\\+xml\" href=\"$ORIGIN/u/$alice/feed.atom\"" \
	"profile: the head links the Atom feed"
like "$BODY" "<link rel=\"alternate\" type=\"application/rss\\+xml\" href=\"$ORIGIN/u/$alice/feed.rss\"" \
	"profile: ... and the RSS feed"
like "$BODY" "<a href=\"/u/$alice/feed.atom\"[^>]*>Atom feed</a>" "profile: a visible Atom feed link"
req GET "/t/$tag?links=1"
like "$BODY" "<link rel=\"alternate\" type=\"application/atom\\+xml\" href=\"$ORIGIN/t/$tag/feed.atom\"" \
	"tag page: the head links the Atom feed"
like "$BODY" "<a href=\"/t/$tag/feed.atom\"[^>]*>Atom feed</a>" "tag page: a visible Atom feed link"
req GET "/p/$p3?links=1"
enc_url="$(jq -rn --arg u "$ORIGIN/p/$p3" '$u|@uri')"
like "$BODY" "<link rel=\"alternate\" type=\"application/json\\+oembed\" href=\"$ORIGIN/oembed\\?url=$enc_url&amp;format=json\"" \
	"post page: oEmbed discovery (JSON) in the head"
like "$BODY" "type=\"text/xml\\+oembed\"" "post page: ... and XML"
disc="$(grep -o 'application/json+oembed" href="[^"]*' <<<"$BODY" | sed 's/.*href="//; s/&amp;/\&/g')"
req GET "$(path_of "$disc")"
is "$STATUS $(json .type)" "200 photo" "post page: the discovery link answers"
req GET "/api/v1/posts/$p3"
is "$(json 'has("feed_links")')" false "the API face carries no head links"

done_testing

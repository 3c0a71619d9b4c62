#!/usr/bin/env bash
# t1950-headers.sh - the security headers nginx adds (nginx/imagier-locations.conf)
# are on every kind of answer: a page, an API answer, an error of the app, a
# static file, a media file and nginx's own 404: a Content-Security-Policy
# that allows no inline script or style and no framing, X-Content-Type-Options
# nosniff, a strict Referrer-Policy. Media files go out with an image type
# set by nginx (never sniffed), under a sandboxing policy of their own; a
# file of another kind in the media store, or an HTML file named like an
# image, never reaches a browser as HTML. The pages themselves carry no
# inline script, event handler attribute or style attribute.
source "$(dirname "$0")/lib.sh"

# headers_ok WHAT: the common headers of the last req.
headers_ok() {
	local what=$1 csp
	csp="$(grep '^content-security-policy:' <<<"$HEADERS" | head -1 | cut -d' ' -f2-)"
	like "$csp" "default-src 'self'" "$what: a Content-Security-Policy with default-src 'self'"
	like "$csp" "script-src 'self'(;|$)" "... scripts from the site only"
	unlike "$csp" "unsafe-inline|unsafe-eval|unsafe-hashes|\*" "... no inline script or style, no eval, no wildcard"
	like "$csp" "frame-ancestors 'none'" "... frame-ancestors 'none'"
	like "$csp" "object-src 'none'" "... object-src 'none'"
	like "$csp" "base-uri 'self'" "... base-uri 'self'"
	is "$(header x-content-type-options)" nosniff "$what: X-Content-Type-Options nosniff"
	like "$(header referrer-policy)" '^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)$' \
		"$what: a strict Referrer-Policy"
	is "$(header x-frame-options)" deny "$what: X-Frame-Options DENY (older browsers)"
	unlike "$(header server)" '[0-9]' "$what: no version in the Server header"
}

new_user "$(uniq_name headers)"
upload "$(image png 120 90 95)" "a post whose files we fetch"
is "$STATUS" 201 "a post to look at"
post=$(json .post.id)
webp=$(json .post.image.display.webp)
jpeg=$(json .post.image.display.jpeg)

req GET /
is "$STATUS" 200 "the home page"
headers_ok "a page"
like "$(header content-type)" '^text/html; charset=utf-8$' "... served as UTF-8 HTML"

req GET "/p/$post"
headers_ok "a post page"
# No inline script: every <script> has a src; no on...= handlers, no style=.
scripts="$(grep -o '<script[^>]*>' <<<"$BODY" || true)"
is "$(grep -vc 'src=' <<<"$scripts" || true)" 0 "... every script element loads a file (no inline script)"
unlike "$BODY" '<[a-zA-Z][^>]* on[a-z]+=' "... no event handler attributes"
unlike "$BODY" '<[a-zA-Z][^>]* style=' "... no style attributes"

req GET "/api/v1/feed?kind=latest"
is "$STATUS" 200 "an API answer"
headers_ok "an API answer"
like "$(header content-type)" '^application/json' "... served as JSON"

req GET /api/v1/me
is "$STATUS" 401 "an API error (401)"
headers_ok "an API error"

req GET "/nothing-here-$RANDOM"
is "$STATUS" 404 "an app 404 page"
headers_ok "an app error page"

req GET /static/css/site.css
is "$STATUS" 200 "a static file"
headers_ok "a static file"
is "$(header content-type)" "text/css" "... served as text/css"

req GET "$webp"
is "$STATUS" 200 "a media file (webp)"
headers_ok "a media file"
is "$(header content-type)" image/webp "... served as image/webp"
like "$(header cache-control)" "immutable" "... cached for good"
media_csp="$(grep '^content-security-policy:' <<<"$HEADERS" | sed -n 2p)"
like "$media_csp" "sandbox" "... with a second, sandboxing policy"
like "$media_csp" "default-src 'none'" "... that allows nothing else"
req GET "$jpeg"
is "$(header content-type)" image/jpeg "a media file (jpeg) is served as image/jpeg"
is "$(header x-content-type-options)" nosniff "... never sniffed"

# Files that are not images never leave the media store; HTML named like an
# image goes out as that image type, and nosniff keeps browsers to it.
dir="$MEDIA/zz"
mkdir -p "$dir"
printf '<html><script>alert(1)</script></html>' >"$dir/evil.html"
printf '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>' >"$dir/evil.svg"
printf '<html><script>alert(1)</script></html>' >"$dir/evil.png"
for f in evil.html evil.svg evil.png.html evil.htm; do
	req GET "/media/zz/$f"
	is "$STATUS" 404 "/media/zz/$f: 404"
	headers_ok "nginx's own 404 ($f)"
done
req GET /media/zz/
is "$STATUS" 404 "no directory listing in /media/"
req GET /media/zz/evil.png
is "$STATUS" 404 "a file outside the store's ab/cd/ layout is not served"
store="$MEDIA/ee/ee"
mkdir -p "$store"
cp "$dir/evil.png" "$store/evil.png"
req GET /media/ee/ee/evil.png
is "$STATUS" 200 "an HTML file named .png"
is "$(header content-type)" image/png "... goes out as image/png, never text/html"
is "$(header x-content-type-options)" nosniff "... with nosniff"
like "$(grep '^content-security-policy:' <<<"$HEADERS" | sed -n 2p)" sandbox "... and sandboxed"
req GET "/media/zz/..%2f..%2fimagier.conf"
like "$STATUS" "^40[04]$" "no way out of the media store"
rm -rf "$dir" "$store/evil.png"

# Every answer of the app has a valid status line: nginx copies the worker's
# "Status:" as it is, so each code needs its reason phrase.
status_line() { tr -d '\r' <"$TMP/headers" | head -1; }
req GET /api/v1/posts/999999999
is "$(status_line)" "HTTP/1.1 404 Not Found" "a 404 of the app says Not Found"
upload "$(mosaic png 240 180 $((RANDOM * 7 + 900000)))" "a post soon removed"
gone=$(json .post.id)
call POST /api/v1/admin/actions "$(admin_token)" \
	"{\"target_type\":\"post\",\"target_id\":$gone,\"action\":\"remove\",\"reason\":\"Spam\"}"
is "$STATUS" 200 "a moderator removes the post"
req GET "/api/v1/posts/$gone?v=$RANDOM"
is "$(status_line)" "HTTP/1.1 410 Gone" "a removed post answers 410 Gone (not \"410 Status\")"
req POST /api/v1/posts -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data '{"prompt":'
like "$(status_line)" "^HTTP/1.1 4[0-9][0-9] [A-Z][a-z]+" "a malformed body: a 4xx with its reason phrase"
unlike "$(status_line)" " Status$" "... never the placeholder"
done_testing

#!/usr/bin/env bash
# t0100-health.sh - the stack answers: /healthz reports db and cache, every
# response carries the security headers, nginx serves /static/ itself,
# unknown paths get a 404 (HTML for pages, JSON under /api/) and a wrong
# method a 405.
source "$(dirname "$0")/lib.sh"

# ---- /healthz ---------------------------------------------------------------
req GET /healthz
is "$STATUS" 200 "GET /healthz is 200"
like "$(header content-type)" '^application/json' "healthz is JSON"
is "$(json .db)" ok "healthz: db ok"
is "$(json .cache)" ok "healthz: cache ok"
like "$(header cache-control)" 'no-store' "healthz is never cached by browsers"
req HEAD /healthz
is "$STATUS" 200 "HEAD /healthz is 200"
is "$BODY" "" "HEAD has no body"

# ---- security headers, on a page, on JSON and on an error -------------------
check_security_headers() {
	local what="$1"
	like "$(header content-security-policy)" "default-src 'self'" "$what: CSP default-src 'self'"
	like "$(header content-security-policy)" "frame-ancestors 'none'" "$what: CSP frame-ancestors 'none'"
	is "$(header x-content-type-options)" nosniff "$what: X-Content-Type-Options nosniff"
	is "$(header x-frame-options)" deny "$what: X-Frame-Options DENY"
	isnt "$(header referrer-policy)" "" "$what: Referrer-Policy present"
}
req GET /
is "$STATUS" 200 "GET / is 200"
like "$(header content-type)" '^text/html; charset=utf-8' "the feed page is UTF-8 HTML"
like "$BODY" '<!doctype html>' "the feed page is a whole HTML document"
like "$BODY" '<link rel="stylesheet" href="/static/css/site.css">' "the page links the stylesheet"
check_security_headers "page /"
req GET /healthz
check_security_headers "JSON /healthz"
req GET /no/such/page
check_security_headers "404 page"

# ---- static files from nginx ------------------------------------------------
req GET /static/css/site.css
is "$STATUS" 200 "/static/css/site.css is served"
like "$(header content-type)" '^text/css' "site.css is text/css"
is "$BODY" "$(cat "${IMAGIER_ROOT:-.}/public/static/css/site.css")" "site.css is the file from public/"
like "$(header cache-control)" 'max-age=' "static files are cacheable"
is "$(header x-cache)" "" "static files do not go through the app's microcache"
check_security_headers "static file"
req GET /static/css/nope.css
is "$STATUS" 404 "a missing static file is 404"
req GET /static/../imagier.conf --path-as-is
isnt "$STATUS" 200 "no path traversal out of /static/ (..)"
unlike "$BODY" 'secret' "... the config is not served"
req GET /static/%2e%2e/%2e%2e/imagier.conf --path-as-is
isnt "$STATUS" 200 "no path traversal out of /static/ (%2e%2e)"
req GET "/media/%2e%2e/imagier.conf.jpg" --path-as-is
is "$STATUS" 404 "no path traversal out of /media/"
req GET /media/
is "$STATUS" 404 "/media/ has no directory listing"
req GET /media/x.txt
is "$STATUS" 404 "/media/ serves image files only"

# ---- unknown paths ----------------------------------------------------------
req GET /no/such/page
is "$STATUS" 404 "unknown page is 404"
like "$(header content-type)" '^text/html' "unknown page: HTML error page"
like "$BODY" 'There is nothing here' "unknown page says why"
like "$BODY" 'Error 404' "unknown page shows the status"
req GET /api/v1/nope
is "$STATUS" 404 "unknown API path is 404"
like "$(header content-type)" '^application/json' "unknown API path: JSON"
is "$(json .error.code)" not_found "unknown API path: error code not_found"
isnt "$(json .error.message)" "" "unknown API path: a message"
req GET /p/0
is "$STATUS" 404 "/p/0 (id 0) is 404"
req GET /p/abc
is "$STATUS" 404 "/p/abc (not a number) is 404"
req GET /api/v1/posts/99999999999999999999
is "$STATUS" 404 "an id too large for 64 bits is 404, not a crash"
is "$(json .error.code)" not_found "... with a JSON not_found"

# ---- wrong methods ----------------------------------------------------------
req DELETE /healthz
is "$STATUS" 405 "DELETE /healthz is 405"
is "$(json .error.code)" method_not_allowed "405 from the API face is JSON"
is "$(header allow)" "get, head" "405 says what is allowed (Allow: GET, HEAD)"
req PUT /api/v1/feed
is "$STATUS" 405 "PUT /api/v1/feed is 405"
is "$(json .error.code)" method_not_allowed "PUT /api/v1/feed: code method_not_allowed"
req POST /p/1 --data x=1
is "$STATUS" 405 "POST /p/1 is 405"
like "$(header content-type)" '^text/html' "405 on a page is HTML"
like "$BODY" 'not allowed' "405 page says why"
is "$(header allow)" "get, head" "... with Allow: GET, HEAD"
req GET /logout
is "$STATUS" 405 "GET /logout is 405 (logout is POST only)"
is "$(header allow)" "post" "... with Allow: POST"
head -1 "$TMP/headers" | tr -d '\r' >"$TMP/statusline"
is "$(cat "$TMP/statusline")" "HTTP/1.1 405 Method Not Allowed" "the status line has a reason phrase"
req GET /api/v1/me
is "$(head -1 "$TMP/headers" | tr -d '\r')" "HTTP/1.1 401 Unauthorized" "401 status line has its reason phrase"

# ---- the app still answers after all that ----------------------------------
is "$(http_code /healthz)" 200 "healthz still 200"

done_testing

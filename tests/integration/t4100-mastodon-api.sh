#!/usr/bin/env bash
# t4100-mastodon-api.sh - Mastodon apps use imagier: the real Mastodon.py
# (tests/integration/mastodon_client.py) registers an app, logs in with the
# password grant, posts an image with a caption, reads the home, public and
# tag timelines, favourites, follows, reads notifications, searches and
# pages with the Link header; the authorization-code flow with PKCE is
# driven through the authorize form with curl; toot logs in, posts, reads
# and follows. Refused: a missing scope (403), a bad token (401), a wrong
# PKCE verifier or a used code (400), a non-image upload (422), unknown ids
# (404), all in Mastodon's {"error": "..."} shape. Native clients keep
# imagier's own shapes on the paths both APIs have.
source "$(dirname "$0")/lib.sh"

ALICE="$(uniq_name alice)"
BOB="$(uniq_name bob)"
new_user "$BOB"
BOB_TOKEN="$TOKEN"
BOB_ID="$USER_ID"
new_user "$ALICE"
ALICE_SESSION="$TOKEN"
ALICE_ID="$USER_ID"
IMG1="$(mosaic png 64 48 41)"
IMG2="$(mosaic png 80 60 42)"
IMG3="$(mosaic png 72 72 43)"

# b2 TEXT: the hash the database keeps of a token or code (BLAKE2b-256)
b2() { printf '%s' "$1" | b2sum -l 256 | cut -d' ' -f1; }

# ---- Mastodon.py ----------------------------------------------------------
TOKEN_A=""
while IFS= read -r line; do
	case "$line" in
	PASS\ *) pass "Mastodon.py: ${line#PASS }" ;;
	FAIL\ *) fail "Mastodon.py: ${line#FAIL }" ;;
	TOKEN\ *) TOKEN_A="${line#TOKEN }" ;;
	*) echo "# $line" ;;
	esac
done < <(/usr/bin/python3 "$(dirname "$0")/mastodon_client.py" "$IMAGIER_URL" "$ALICE" "$BOB" \
	"correct horse " "$IMG1" "$IMG2" "$IMG3" 2>&1)
isnt "$TOKEN_A" "" "Mastodon.py ran to the end"

# ---- the collision rule: native tokens keep imagier's shapes --------------
call GET /api/v1/notifications "$ALICE_SESSION"
is "$(json '.items | type')" "array" "a session token gets imagier's notifications shape"
call GET /api/v1/notifications "$TOKEN_A"
is "$(json 'type')" "array" "an app token gets Mastodon's notifications list"
is "$(json '[.[].type] | index("favourite") != null')" "true" "... with the favourite in it"
call GET /api/v1/me "$TOKEN_A"
is "$STATUS" 403 "an app token does not open imagier's native API"
is "$(json '.error | type')" "string" "... and says so in Mastodon's error shape"

# ---- CORS: web clients on other origins --------------------------------------
req OPTIONS /api/v1/timelines/home -H "Origin: https://client.example" \
	-H "Access-Control-Request-Method: GET" -H "Access-Control-Request-Headers: authorization"
is "$STATUS" 204 "a preflight to the API is answered"
is "$(rawheader access-control-allow-origin)" "*" "... for any origin"
like "$(rawheader access-control-allow-headers)" "Authorization" "... letting it send its token"
req GET /api/v1/timelines/home -H "Authorization: Bearer $TOKEN_A" -H "Origin: https://client.example"
is "$STATUS/$(rawheader access-control-allow-origin)" "200/*" "the API answer may be read by a web client"
like "$(rawheader access-control-expose-headers)" "Link" "... with its Link header (pagination)"
is "$(rawheader access-control-allow-credentials)" "" "... never with credentials (a cookie opens nothing cross-origin)"
req GET /login -H "Origin: https://client.example"
is "$(rawheader access-control-allow-origin)" "" "pages are not shared with other origins"
req OPTIONS /login -H "Origin: https://client.example" -H "Access-Control-Request-Method: POST"
isnt "$STATUS" 204 "... and no preflight is answered for them"

# ---- authorization code with PKCE, through the form -----------------------
req POST /api/v1/apps -H 'Content-Type: application/json' \
	--data '{"client_name":"pkce app","redirect_uris":"http://localhost:9/cb","scopes":"read write"}'
is "$STATUS" 200 "POST /api/v1/apps with JSON"
CID="$(json .client_id)"
CSECRET="$(json .client_secret)"
req POST /api/v1/apps --data-urlencode "client_name=x" --data-urlencode "redirect_uris=urn:ietf:wg:oauth:2.0:oob" \
	--data-urlencode "website=javascript:alert(1)"
is "$STATUS" 422 "an app's website must be a web address (it is a link on the authorize page)"
req POST /api/v1/apps --data-urlencode "client_name=x" --data-urlencode "redirect_uris=javascript alert"
is "$STATUS" 422 "redirect_uris must be URIs"
VERIFIER="$(head -c 48 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' | head -c 64)"
CHALLENGE="$(printf '%s' "$VERIFIER" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=\n')"
AUTHQ="response_type=code&client_id=$CID&redirect_uri=http%3A%2F%2Flocalhost%3A9%2Fcb&scope=read&state=xyz&code_challenge=$CHALLENGE&code_challenge_method=S256"
req GET "/oauth/authorize?$AUTHQ"
is "$STATUS" 303 "the authorize page sends a stranger to log in"
like "$(rawheader location)" '^/login\?next=%2Foauth%2Fauthorize%3F' "... and back here after"
JAR="$TMP/jar"
login_jar "$ALICE" "$JAR"
req GET "/oauth/authorize?$AUTHQ" -b "$JAR"
is "$STATUS" 200 "the authorize page for a logged-in person"
like "$BODY" "pkce app" "... names the app"
like "$(rawheader content-security-policy)" "form-action 'self' http://localhost:9(;|\$| )" \
	"... and its CSP lets Approve go on to the app's redirect_uri (its origin only)"
is "$(rawheader x-imagier-form-action)" "" "... the app's header to nginx is not sent on"
req GET "/login" -b "$JAR"
unlike "$(rawheader content-security-policy)" "localhost:9" "another page's form-action is 'self' only"
FORM_CSRF="$(grep -o 'name="csrf" value="[^"]*"' <<<"$BODY" | head -1 | sed 's/.*value="//; s/"$//')"
authorize() { # authorize CHALLENGE DECISION: POST the form; sets CODE
	req POST /oauth/authorize -b "$JAR" --data-urlencode "csrf=$FORM_CSRF" \
		--data-urlencode "client_id=$CID" --data-urlencode "redirect_uri=http://localhost:9/cb" \
		--data-urlencode "scope=read" --data-urlencode "state=xyz" \
		--data-urlencode "code_challenge=$1" --data-urlencode "code_challenge_method=S256" \
		--data-urlencode "decision=$2"
	CODE="$(rawheader location | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p')"
}
req POST /oauth/authorize -b "$JAR" --data-urlencode "client_id=$CID" \
	--data-urlencode "redirect_uri=http://localhost:9/cb" --data-urlencode "decision=approve"
is "$STATUS" 403 "the authorize form without its CSRF token is refused"
authorize "$CHALLENGE" deny
like "$(rawheader location)" '^http://localhost:9/cb\?error=access_denied&state=xyz$' "Deny redirects with access_denied"
authorize "$CHALLENGE" approve
is "$STATUS" 303 "Authorize redirects"
like "$(rawheader location)" '^http://localhost:9/cb\?code=[A-Za-z0-9_-]{43}&state=xyz$' "... with code and state"
token_req() { # token_req CODE VERIFIER
	req POST /oauth/token --data-urlencode grant_type=authorization_code \
		--data-urlencode "client_id=$CID" --data-urlencode "client_secret=$CSECRET" \
		--data-urlencode "redirect_uri=http://localhost:9/cb" --data-urlencode "code=$1" \
		--data-urlencode "code_verifier=$2"
}
GOOD_CODE="$CODE"
token_req "$GOOD_CODE" "$VERIFIER"
is "$STATUS" 200 "the code and its verifier give a token"
is "$(json .scope)" "read" "... with the scope authorized"
READ_TOKEN="$(json .access_token)"
token_req "$GOOD_CODE" "$VERIFIER"
is "$STATUS/$(json .error)" "400/invalid_grant" "a code works once"
authorize "$CHALLENGE" approve
token_req "$CODE" "${VERIFIER}x"
is "$STATUS/$(json .error)" "400/invalid_grant" "a wrong PKCE verifier is refused"
like "$(json .error_description)" "PKCE" "... saying why"
token_req "$CODE" "$VERIFIER"
is "$STATUS" 400 "a code tried with a wrong verifier is spent"
sql "UPDATE oauth_codes SET expires_at = 1" >/dev/null
authorize "$CHALLENGE" approve
sql "UPDATE oauth_codes SET expires_at = 1" >/dev/null
token_req "$CODE" "$VERIFIER"
is "$STATUS" 400 "an expired code is refused"
authorize "$CHALLENGE" approve
is "$(sql "SELECT COUNT(*) FROM oauth_codes WHERE code_hash = UNHEX('$(b2 "$CODE")')")" 1 "codes are stored only hashed"

# ---- scopes, tokens, errors ------------------------------------------------
call GET /api/v1/accounts/verify_credentials "$READ_TOKEN"
is "$(json .username)" "$ALICE" "the code's token is alice's"
call POST /api/v1/statuses "$READ_TOKEN" '{"status":"x","media_ids":["1"]}'
is "$STATUS" 403 "a read-only token cannot post"
like "$(json .error)" "scope" "... in Mastodon's error shape"
call POST "/api/v1/accounts/$BOB_ID/follow" "$READ_TOKEN"
is "$STATUS" 403 "... nor follow"
req POST /api/v1/apps --data-urlencode "client_name=granular" \
	--data-urlencode "redirect_uris=urn:ietf:wg:oauth:2.0:oob" --data-urlencode "scopes=read:statuses write:media"
G_CID="$(json .client_id)"
G_SECRET="$(json .client_secret)"
req POST /oauth/token --data-urlencode grant_type=password --data-urlencode "client_id=$G_CID" \
	--data-urlencode "client_secret=$G_SECRET" --data-urlencode "username=$ALICE" \
	--data-urlencode "password=correct horse $ALICE" --data-urlencode "scope=read:statuses"
is "$(json .scope)" "read:statuses" "a granular scope is granted as asked"
G_TOKEN="$(json .access_token)"
call GET /api/v1/timelines/public "$G_TOKEN"
is "$STATUS" 200 "read:statuses reads timelines"
call GET /api/v1/notifications "$G_TOKEN"
is "$STATUS" 403 "... but not notifications"
req POST /oauth/token --data-urlencode grant_type=password --data-urlencode "client_id=$G_CID" \
	--data-urlencode "client_secret=$G_SECRET" --data-urlencode "username=$ALICE" \
	--data-urlencode "password=correct horse $ALICE" --data-urlencode "scope=read write"
is "$STATUS/$(json .error)" "400/invalid_scope" "an app cannot ask more than it registered for"
call GET /api/v1/accounts/verify_credentials "not-a-token-at-all"
is "$STATUS" 401 "a bad token is 401"
is "$(json '.error | type')" "string" "... {\"error\": text}"
req POST /oauth/token --data-urlencode grant_type=password --data-urlencode "client_id=$CID" \
	--data-urlencode "client_secret=wrong" --data-urlencode "username=$ALICE" \
	--data-urlencode "password=correct horse $ALICE"
is "$STATUS/$(json .error)" "401/invalid_client" "a wrong client secret is refused"
req POST /oauth/token -H 'Content-Type: application/json' \
	--data "{\"grant_type\":\"password\",\"client_id\":\"$CID\",\"client_secret\":\"$CSECRET\",\"username\":\"$ALICE\",\"password\":\"wrong\",\"scope\":\"read\"}"
is "$STATUS/$(json .error)" "400/invalid_grant" "a wrong password is refused (JSON body)"
req POST /oauth/token --data-urlencode grant_type=client_credentials --data-urlencode "client_id=$CID" \
	--data-urlencode "client_secret=$CSECRET" --data-urlencode "scope=read"
APP_TOKEN="$(json .access_token)"
req POST /oauth/token -u "$CID:$CSECRET" --data-urlencode grant_type=client_credentials --data-urlencode "scope=read"
is "$STATUS/$(json .token_type)" "200/Bearer" "the client may authenticate with HTTP Basic"
call GET /api/v1/apps/verify_credentials "$APP_TOKEN"
is "$(json .name)" "pkce app" "client_credentials gives an app token"
call GET /api/v1/accounts/verify_credentials "$APP_TOKEN"
is "$STATUS" 401 "... which is nobody's account"
echo "not a picture" >"$TMP/notimage.png"
req POST /api/v1/media -H "Authorization: Bearer $TOKEN_A" -F "file=@$TMP/notimage.png"
is "$STATUS" 422 "a media upload that is not an image is 422"
is "$(json '.error | type')" "string" "... {\"error\": text}"
call POST /api/v1/statuses "$TOKEN_A" '{"status":"no picture"}'
is "$STATUS" 422 "a status without media is 422"
like "$(json .error)" "imagier posts are images" "... saying why"
call POST /api/v1/statuses "$TOKEN_A" '{"status":"two","media_ids":["1","2"]}'
is "$STATUS" 422 "two media ids are 422"
req POST /api/v2/media -H "Authorization: Bearer $TOKEN_A" -F "file=@$IMG3" -F "description=a kite over dunes"
is "$STATUS" 200 "POST /api/v2/media answers 200 (processed at once)"
MID="$(json .id)"
req POST /api/v1/statuses -H "Authorization: Bearer $TOKEN_A" -H "Idempotency-Key: t4100-$MID" \
	--data-urlencode "status=Kite" --data-urlencode "media_ids[]=$MID"
is "$STATUS" 200 "a form-encoded status with media_ids[]"
SID="$(json .id)"
req POST /api/v1/statuses -H "Authorization: Bearer $TOKEN_A" -H "Idempotency-Key: t4100-$MID" \
	--data-urlencode "status=Kite" --data-urlencode "media_ids[]=$MID"
is "$STATUS/$(json .id)" "200/$SID" "the same Idempotency-Key answers the same status again"
is "$(sql "SELECT COUNT(*) FROM posts WHERE caption = 'Kite' AND user_id = $ALICE_ID")" 1 "... and posts once"
# The first request's answer not recorded yet (it is still answering): a
# Mastodon client is told to come back, never given imagier's own shape.
sql "UPDATE idempotency_keys SET status = 0, body = NULL WHERE idem_key = 't4100-$MID'" >/dev/null
req POST /api/v1/statuses -H "Authorization: Bearer $TOKEN_A" -H "Idempotency-Key: t4100-$MID" \
	--data-urlencode "status=Kite" --data-urlencode "media_ids[]=$MID"
is "$STATUS/$(json .error)/$(rawheader retry-after)" \
	"409/The first request with this Idempotency-Key is still being answered; try again in a second./1" \
	"a retry while the first answer is not recorded: 409 with Retry-After"
sql "UPDATE idempotency_keys SET created_at = created_at - 60 WHERE idem_key = 't4100-$MID'" >/dev/null
req POST /api/v1/statuses -H "Authorization: Bearer $TOKEN_A" -H "Idempotency-Key: t4100-$MID" \
	--data-urlencode "status=Kite" --data-urlencode "media_ids[]=$MID"
is "$STATUS/$(json .id)" "201/$SID" "... and once the first surely stopped, what it created is named"
is "$(sql "SELECT COUNT(*) FROM posts WHERE caption = 'Kite' AND user_id = $ALICE_ID")" 1 "... still one post"
call POST /api/v1/statuses "$TOKEN_A" "{\"status\":\"again\",\"media_ids\":[\"$MID\"]}"
is "$STATUS" 422 "a picture already posted cannot be posted again"
call POST /api/v1/statuses "$BOB_TOKEN" "{\"status\":\"x\",\"media_ids\":[\"$MID\"]}"
is "$STATUS" 422 "... nor by someone else"
# Routes on what belongs to one person (t1900 lists them), tried as another.
call GET "/api/v1/media/$MID" "$BOB_TOKEN"
is "$STATUS" 404 "GET /api/v1/media/{id} of another person: 404"
unlike "$BODY" "kite over dunes" "... and nothing of it shows"
call DELETE "/api/v1/statuses/$SID" "$BOB_TOKEN"
is "$STATUS" 403 "DELETE /api/v1/statuses/{id} of another person: 403 (a public post, as a comment)"
is "$(sql "SELECT COUNT(*) FROM posts WHERE id = $SID")" 1 "... the post is still there"
call GET "/api/v1/media/$MID" "$TOKEN_A"
is "$STATUS" 200 "the owner reads the picture (the same request works for the right person)"
for p in /api/v1/statuses/999999999 /api/v1/accounts/999999999 /api/v1/statuses/abc; do
	call GET "$p" "$TOKEN_A"
	is "$STATUS" 404 "GET $p is 404"
done
is "$(sql "SELECT COUNT(*) FROM sessions WHERE kind = 'oauth' AND token_hash = UNHEX('$(b2 "$TOKEN_A")')")" 1 "access tokens are sessions, stored only hashed"
call GET /api/v1/sessions "$ALICE_SESSION"
is "$(json '[.sessions[] | select(.app == "t4100 app")] | length > 0')" "true" "alice's sessions list Mastodon.py's token with its app"
req POST /oauth/revoke --data-urlencode "client_id=$G_CID" --data-urlencode "client_secret=$G_SECRET" \
	--data-urlencode "token=$READ_TOKEN"
call GET /api/v1/accounts/verify_credentials "$READ_TOKEN"
is "$STATUS" 200 "another app's revoke leaves the token working"
req POST /oauth/revoke --data-urlencode "client_id=$G_CID" --data-urlencode "client_secret=$G_SECRET" \
	--data-urlencode "token=$ALICE_SESSION"
call GET /api/v1/sessions "$ALICE_SESSION"
is "$STATUS" 200 "... and a login session too"
call POST /api/v1/statuses "$TOKEN_A" '{"status":"x","media_ids":{"a":"1"}}'
is "$STATUS" 422 "media_ids that is no list is refused"
call POST /api/v1/statuses "$TOKEN_A" '{"status":"x","media_ids":[1e300]}'
is "$STATUS" 422 "... and an id out of range"
req POST /oauth/revoke --data-urlencode "client_id=$CID" --data-urlencode "client_secret=$CSECRET" \
	--data-urlencode "token=$READ_TOKEN"
is "$STATUS" 200 "revoke"
call GET /api/v1/accounts/verify_credentials "$READ_TOKEN"
is "$STATUS" 401 "a revoked token is refused"

# ---- toot ------------------------------------------------------------------
export HOME="$TMP/toothome" XDG_CONFIG_HOME="$TMP/toothome/.config"
mkdir -p "$HOME"
INSTANCE="${IMAGIER_URL#http://}"
out="$(printf 'correct horse %s' "$BOB" | toot login_cli --disable-https -i "$INSTANCE" -e "$BOB" 2>&1)"
like "$out" "Successfully logged in" "toot login_cli"
out="$(toot whoami 2>&1)"
like "$out" "@$BOB" "toot whoami"
out="$(toot post --media "$IMG2" --description "a lighthouse in a storm" "Lighthouse #toottest" 2>&1)"
like "$out" "Toot posted: .*/p/[0-9]+" "toot post --media"
POSTED="$(grep -o '/p/[0-9]*' <<<"$out" | head -1)"
out="$(toot timeline --public --once 2>&1 </dev/null)"
like "$out" "Lighthouse" "toot timeline --public"
out="$(toot timeline --tag toottest --once 2>&1 </dev/null)"
like "$out" "Lighthouse" "toot timeline --tag"
out="$(toot follow "$ALICE" 2>&1)"
like "$out" "You are now following" "toot follow"
req GET "/api/v1/accounts/relationships?id%5B%5D=$BOB_ID" -H "Authorization: Bearer $TOKEN_A"
is "$(json '.[0].followed_by')" "true" "... and alice sees bob follows her"
out="$(toot following "$BOB" 2>&1)"
like "$out" "$ALICE" "toot following"
out="$(toot timeline --once 2>&1 </dev/null)"
like "$out" "Morning fox" "toot timeline (home) has alice's post"
call POST "/api/v1/statuses/${POSTED#/p/}/favourite" "$TOKEN_A"
out="$(toot notifications 2>&1 </dev/null)"
like "$out" "$ALICE" "toot notifications shows alice's favourite"

# ---- deleting the account takes its app tokens, codes and pictures --------
req POST /api/v1/media -H "Authorization: Bearer $TOKEN_A" -F "file=@$IMG1" -F "description=never posted"
is "$STATUS" 200 "a picture staged and left"
call DELETE /api/v1/me "$ALICE_SESSION" "{\"password\":\"correct horse $ALICE\"}"
is "$STATUS" 200 "alice deletes her account"
is "$(sql "SELECT (SELECT COUNT(*) FROM oauth_media WHERE user_id = $ALICE_ID) + (SELECT COUNT(*) FROM sessions WHERE user_id = $ALICE_ID) + (SELECT COUNT(*) FROM oauth_codes WHERE user_id = $ALICE_ID)")" 0 "... her staged pictures, app tokens and codes go with it"
call GET /api/v1/accounts/verify_credentials "$TOKEN_A"
is "$STATUS" 401 "... and Mastodon.py's token no longer works"
done_testing

#!/usr/bin/env bash
# t1000-generate.sh - the creative loop over the API and the pages: queue a
# generation, watch it finish, publish it, remix it, remix the remix, and see
# the whole family in the lineage (ancestors, descendants, word diffs).
# Validation, per-user limits, cancellation, and ownership are checked too.
source "$(dirname "$0")/lib.sh"

# gen_wait ID [TOKEN]: poll until the job is over; sets BODY to its JSON.
gen_wait() {
	local id=$1 tok=${2:-$TOKEN} i st
	for ((i = 0; i < 150; i++)); do
		req GET "/api/v1/generations/$id" -H "Authorization: Bearer $tok"
		st="$(json .generation.status)"
		[[ $st == queued || $st == running ]] || return 0
		sleep 0.2
	done
	return 1
}
gen() { # gen JSON: POST /api/v1/generations as TOKEN
	req POST /api/v1/generations -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' --data "$1"
}

new_user "$(uniq_name maker)"
me="$(json .user.username)"

# --- generate and watch ----------------------------------------------------
gen '{"prompt":"a red sunset over the sea","seed":42,"width":512,"height":512}'
is "$STATUS" 202 "POST /api/v1/generations answers 202"
g1="$(json .generation.id)"
is "$(json .generation.status)" queued "a new job is queued"
like "$(header location)" "^/g/$g1$" "Location points at the job page"
gen_wait "$g1"
is "$(json .generation.status)" succeeded "the procedural job succeeds"
is "$(json .generation.model)" "procedural-v1" "the model is named"
is "$(json .generation.backend)" procedural "the default backend is procedural"
is "$(json .generation.seed)" 42 "the seed is kept"
is "$(json '.generation.image.width')" 512 "the image has the requested width"
url1="$(json '.generation.image.sizes.original.webp')"
req GET "$url1"
is "$STATUS" 200 "the generated image is served from /media/"

gen '{"prompt":"a red sunset over the sea","seed":42,"width":512,"height":512}'
g1b="$(json .generation.id)"
gen_wait "$g1b"
is "$(json '.generation.image.sizes.original.webp')" "$url1" \
	"same prompt and seed: the same pixels (same content-addressed file)"
gen '{"prompt":"a green forest in the mountains","seed":42,"width":512,"height":512}'
g1c="$(json .generation.id)"
gen_wait "$g1c"
isnt "$(json '.generation.image.sizes.original.webp')" "$url1" "another prompt: another image"
req DELETE "/api/v1/generations/$g1c" -H "Authorization: Bearer $TOKEN"
is "$STATUS" 200 "an unpublished result can be discarded"
req DELETE "/api/v1/generations/$g1b" -H "Authorization: Bearer $TOKEN"

# --- validation --------------------------------------------------------------
long="$(head -c 2001 /dev/zero | tr '\0' 'a')"
for body in '{"prompt":""}' '{"seed":1}' "{\"prompt\":\"$long\"}" \
	'{"prompt":"x","width":100}' '{"prompt":"x","width":5000,"height":512}' \
	'{"prompt":"x","backend":"nope"}' '{"prompt":"x","seed":-1}' '{"prompt":"x","seed":"abc"}' \
	'{"prompt":"x","width":"wide"}'; do
	gen "$body"
	is "$STATUS" 400 "400 for $(head -c 60 <<<"$body")"
	like "$(json .error.message)" "." "  ... with a reason"
done
req POST /api/v1/generations -H 'Content-Type: application/json' --data '{"prompt":"x"}'
is "$STATUS" 401 "anonymous: 401"

other_token=$TOKEN
new_user "$(uniq_name stranger)"
req GET "/api/v1/generations/$g1" -H "Authorization: Bearer $TOKEN"
is "$STATUS" 404 "another person cannot see my job"
req POST "/api/v1/generations/$g1/publish" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data '{}'
is "$STATUS" 404 "nor publish it"
TOKEN=$other_token

# --- seeds near 2^53 come back exactly (cJSON alone printed 5.9868743279469e+15) --
for seed in 5986874327946899 9007199254740991; do
	gen "{\"prompt\":\"a seed of many digits\",\"seed\":$seed,\"width\":256,\"height\":256}"
	is "$STATUS" 202 "a generation with seed $seed is queued"
	gs="$(json .generation.id)"
	gen_wait "$gs"
	like "$BODY" "\"seed\":$seed[,}]" "... so does GET /api/v1/generations/{id} once it is done"
	req POST "/api/v1/generations/$gs/publish" -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' --data '{"caption":"many digits"}'
	ps="$(json .post.id)"
	like "$BODY" "\"seed\":$seed[,}]" "... and the published post"
	req GET "/api/v1/posts/$ps"
	like "$BODY" "\"seed\":$seed[,}]" "... and GET /api/v1/posts/{id} (from the cache too)"
	req GET "/api/v1/posts/$ps"
	like "$BODY" "\"seed\":$seed[,}]" "... every time"
done

# --- publish -------------------------------------------------------------------
req POST "/api/v1/generations/$g1/publish" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data '{"caption":"my first","tags":"sunset, #sea"}'
is "$STATUS" 201 "publish answers 201"
p1="$(json .post.id)"
is "$(json .post.generation.seed)" 42 "the post carries its generation data"
is "$(json .post.generation.backend)" procedural "  ... backend"
is "$(json .post.generation.model)" procedural-v1 "  ... model"
is "$(json '.post.tags | join(",")')" "sunset,sea" "  ... and tags"
is "$(json .post.depth)" 0 "an original is depth 0"
req POST "/api/v1/generations/$g1/publish" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data '{}'
is "$STATUS" 409 "publishing twice: 409"

# --- remix, and a remix of the remix -----------------------------------------------
req POST "/api/v1/posts/$p1/remix" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data '{"prompt":"a blue sunset over the sea"}'
is "$STATUS" 202 "remix answers 202"
g2="$(json .generation.id)"
gen_wait "$g2"
is "$(json .generation.status)" succeeded "the remix job succeeds"
is "$(json .generation.seed)" 42 "missing fields come from the parent (seed)"
is "$(json .generation.width)" 512 "  ... and size"
is "$(json .generation.parent_id)" "$p1" "the job knows its parent"
req POST "/api/v1/generations/$g2/publish" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data '{"caption":"bluer"}'
p2="$(json .post.id)"
is "$(json .post.parent_id)" "$p1" "the remix post points at its parent"
is "$(json .post.root_id)" "$p1" "  ... and at the root"
is "$(json .post.depth)" 1 "  ... at depth 1"

req POST "/api/v1/posts/$p2/remix" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data '{"negative_prompt":"clouds","style":"watercolor"}'
g3="$(json .generation.id)"
gen_wait "$g3"
is "$(json .generation.prompt)" "a blue sunset over the sea" "a remix without a prompt keeps the parent's"
req POST "/api/v1/generations/$g3/publish" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data '{}'
p3="$(json .post.id)"
is "$(json .post.depth)" 2 "the remix of the remix is depth 2"
is "$(json .post.root_id)" "$p1" "  ... with the same root"

req GET "/api/v1/posts/$p1"
is "$(json .post.remix_count)" 1 "the parent counts its remix"

# --- lineage -----------------------------------------------------------------------
req GET "/api/v1/posts/$p1/lineage"
is "$STATUS" 200 "lineage of the root"
is "$(json '.ancestors | length')" 0 "  ... has no ancestors"
is "$(json '.descendants[0].post.id')" "$p2" "  ... its remix is a child"
is "$(json '.descendants[0].children[0].post.id')" "$p3" "  ... and the remix of the remix a grandchild"
is "$(json '[.descendants[0].post.diff[] | select(.add) | .text] | join(" ")')" "blue" \
	"the child's diff shows the added word"
is "$(json '[.descendants[0].post.diff[] | select(.del) | .text] | join(" ")')" "red" \
	"  ... and the removed one"
req GET "/api/v1/posts/$p3/lineage"
is "$(json '[.ancestors[].id] | map(tostring) | join(",")')" "$p1,$p2" "ancestors of the grandchild, root first"
req GET "/api/v1/posts/999999999/lineage"
is "$STATUS" 404 "lineage of an unknown post: 404"

req GET "/p/$p2"
like "$BODY" "Remix of <a href=\"/p/$p1\">@$me" "the remix page says whose post it remixes"
like "$BODY" "href=\"/p/$p2/lineage\"" "  ... and links the family tree"
req GET "/p/$p1"
like "$BODY" "Family tree · 1 remix<" "the parent page shows its remix count"
like "$BODY" "<dt>Seed</dt><dd>42</dd>" "the post page shows the generation data"
req GET "/p/$p1/lineage"
is "$STATUS" 200 "the lineage page answers"
like "$BODY" "<ins>blue</ins>" "the lineage page shows the word diff"
like "$BODY" "href=\"/p/$p3\"" "  ... and the grandchild"

# --- cancellation and limits (slow jobs on the fake OpenAI service) --------------
gen '{"prompt":"[slow:3] a slow castle","backend":"openai","width":512,"height":512}'
gs="$(json .generation.id)"
sleep 0.8
req DELETE "/api/v1/generations/$gs" -H "Authorization: Bearer $TOKEN"
is "$STATUS" 200 "a running job can be cancelled"
is "$(json .generation.status)" cancelled "  ... and says so"
sleep 3
req GET "/api/v1/generations/$gs" -H "Authorization: Bearer $TOKEN"
is "$(json .generation.status)" cancelled "a cancelled job stays cancelled when the backend answers late"
req DELETE "/api/v1/generations/$gs" -H "Authorization: Bearer $TOKEN"
is "$STATUS" 409 "cancelling twice: 409"

ids=()
for i in 1 2 3; do
	gen "{\"prompt\":\"[slow:4] queue filler $i\",\"backend\":\"openai\",\"width\":256,\"height\":256}"
	ids+=("$(json .generation.id)")
done
gen '{"prompt":"one too many"}'
is "$STATUS" 429 "over the in-flight limit: 429"
like "$(json .error.message)" "in the works" "  ... with a reason"
for id in "${ids[@]}"; do req DELETE "/api/v1/generations/$id" -H "Authorization: Bearer $TOKEN"; done
gen '{"prompt":"after cancelling there is room again","width":256,"height":256}'
is "$STATUS" 202 "cancelling frees the slots"
gen_wait "$(json .generation.id)"

# --- the pages: /create -> /g/ID -> publish -> /p/ID -> remix form ----------------
jar="$TMP/jar"
req POST /api/v1/sessions -c "$jar" -H 'Content-Type: application/json' \
	--data "{\"username\":\"$me\",\"password\":\"correct horse $me\"}"
csrf="$(json .csrf)"
req GET /create -b "$jar"
is "$STATUS" 200 "the create page answers"
like "$BODY" 'name="prompt"' "  ... with a prompt field"
req POST /create -b "$jar" --data-urlencode "csrf=$csrf" --data-urlencode "prompt=neon city at night" \
	--data-urlencode "size=512x512" --data-urlencode "seed=7"
is "$STATUS" 303 "the create form answers 303"
gpage="$(header location)"
like "$gpage" '^/g/[0-9]+$' "  ... to the job page"
req GET "$gpage" -b "$jar"
like "$BODY" 'http-equiv="refresh"|Your image is ready' "the job page refreshes itself (or is already done)"
gid="${gpage#/g/}"
gen_wait "$gid" "$TOKEN"
req GET "$gpage" -b "$jar"
like "$BODY" "Your image is ready" "the finished job page shows the image"
like "$BODY" "action=\"/g/$gid/publish\"" "  ... and a publish form"
req POST "$gpage/publish" -b "$jar" --data-urlencode "csrf=$csrf" \
	--data-urlencode "caption=$(printf 'x%.0s' $(seq 2100))"
is "$STATUS" 400 "publishing from the page with a caption too long: 400"
like "$BODY" '<p class="error" role="alert">Caption: ' "  ... a page that says why (not an empty one)"
req POST "$gpage/publish" -b "$jar" --data-urlencode "csrf=$csrf" --data-urlencode "caption=neon!"
is "$STATUS" 303 "publishing from the page answers 303"
like "$(header location)" '^/p/[0-9]+$' "  ... to the new post"
req GET "/p/$p1/remix" -b "$jar"
is "$STATUS" 200 "the remix form answers"
like "$BODY" "a red sunset over the sea</textarea>" "  ... prefilled with the parent's prompt"
like "$BODY" 'value="42"' "  ... and seed"
like "$BODY" "action=\"/p/$p1/remix\"" "  ... posting to the remix endpoint"
req POST "/p/$p1/remix" -b "$jar" --data-urlencode "csrf=wrong" --data-urlencode "prompt=x"
is "$STATUS" 403 "the remix form needs the CSRF token"
done_testing

#!/usr/bin/env bash
# t1100-gen-backends.sh - the openai and a1111 backends end to end against the
# fake generation service (tests/tools/fakegen.py, real protocols): success,
# remix as edits / img2img, failures in words a person understands, retries
# with backoff for passing failures, and a generation worker killed mid-job:
# the job goes back to the queue and is done exactly once.
# single box: restarts the one imagier-gen with the fake service's failures.
source "$(dirname "$0")/lib.sh"
: "${FAKEGEN_LOG:?run through make test (starts the fake generation service)}"

gen_wait() {
	local id=$1 i st
	for ((i = 0; i < ${2:-150}; i++)); do
		req GET "/api/v1/generations/$id" -H "Authorization: Bearer $TOKEN"
		st="$(json .generation.status)"
		[[ $st == queued || $st == running ]] || return 0
		sleep 0.2
	done
	return 1
}
gen() {
	req POST /api/v1/generations -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' --data "$1"
}
# calls PATH PROMPT-SUBSTRING: how many requests the fake service got
calls() { jq -c "select(.path == \"$1\") | select(tostring | contains(\"$2\"))" "$FAKEGEN_LOG" | wc -l; }
last_call() { jq -c "select(.path == \"$1\") | select(tostring | contains(\"$2\"))" "$FAKEGEN_LOG" | tail -1; }

new_user "$(uniq_name backends)"
tag="$RANDOM$RANDOM"

# --- openai -------------------------------------------------------------------
gen "{\"prompt\":\"a castle $tag\",\"backend\":\"openai\",\"width\":512,\"height\":512}"
is "$STATUS" 202 "an openai job is accepted"
id="$(json .generation.id)"
gen_wait "$id"
is "$(json .generation.status)" succeeded "the openai job succeeds"
is "$(json .generation.model)" fake-dalle "the configured model is recorded"
like "$(json .generation.image.sizes.original.jpeg)" "^/media/" "its image went through the pipeline"
call="$(last_call /v1/images/generations "castle $tag")"
is "$(jq -r .auth <<<"$call")" ok "the API key was sent as a bearer token"
is "$(jq -r .json.size <<<"$call")" 512x512 "the size was sent"
is "$(jq -r .json.response_format <<<"$call")" b64_json "b64_json was asked for"
req POST "/api/v1/generations/$id/publish" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data '{}'
is "$STATUS" 201 "the openai image is published"
post="$(json .post.id)"

req POST "/api/v1/posts/$post/remix" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data "{\"prompt\":\"a castle at night $tag\"}"
rid="$(json .generation.id)"
gen_wait "$rid"
is "$(json .generation.status)" succeeded "an openai remix succeeds"
is "$(json .generation.backend)" openai "a remix keeps the parent's backend"
call="$(last_call /v1/images/edits "night $tag")"
isnt "$call" "" "the remix went to /v1/images/edits"
like "$call" '"image"' "  ... with the parent image attached"

# --- a1111 -----------------------------------------------------------------------
gen "{\"prompt\":\"a lake $tag\",\"negative_prompt\":\"boats\",\"seed\":4294967301,\"backend\":\"a1111\",\"width\":512,\"height\":768}"
id="$(json .generation.id)"
gen_wait "$id"
is "$(json .generation.status)" succeeded "the a1111 job succeeds"
call="$(last_call /sdapi/v1/txt2img "lake $tag")"
is "$(jq -r .json.negative_prompt <<<"$call")" boats "the negative prompt was sent"
is "$(jq -r .json.seed <<<"$call")" 5 "the seed was sent (mod 2^32)"
is "$(jq -r .json.steps <<<"$call")" 25 "the steps were sent"
is "$(jq -r .json.sampler_name <<<"$call")" "Euler a" "the sampler was sent"
is "$(jq -r .json.height <<<"$call")" 768 "the size was sent"
req POST "/api/v1/generations/$id/publish" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data '{}'
post="$(json .post.id)"
req POST "/api/v1/posts/$post/remix" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data "{\"prompt\":\"a lake at dawn $tag\"}"
rid="$(json .generation.id)"
gen_wait "$rid"
is "$(json .generation.status)" succeeded "an a1111 remix succeeds"
call="$(last_call /sdapi/v1/img2img "dawn $tag")"
like "$(jq -r '.json.init_images[0].kind' <<<"$call")" "jpeg|png|webp" "img2img got the parent as init image"

# --- failures a person can read -----------------------------------------------------
gen "{\"prompt\":\"[fail:400] refused $tag\",\"backend\":\"openai\",\"width\":256,\"height\":256}"
id="$(json .generation.id)"
gen_wait "$id"
is "$(json .generation.status)" failed "a refused prompt fails"
like "$(json .generation.error)" "refused" "  ... and says the service refused it"
is "$(json .generation.attempts)" 1 "  ... without retrying"

gen "{\"prompt\":\"[garbage] $tag\",\"backend\":\"a1111\",\"width\":256,\"height\":256}"
id="$(json .generation.id)"
gen_wait "$id"
is "$(json .generation.status)" failed "garbage from the service fails the job"
like "$(json .generation.error)" "not an image|could not|unreadable|did not" "  ... with a readable reason"
unlike "$(json .generation.error)" "test-gen-key" "  ... that never shows the API key"

gen "{\"prompt\":\"[flaky:1] retried $tag\",\"backend\":\"openai\",\"width\":256,\"height\":256}"
id="$(json .generation.id)"
gen_wait "$id" 100
is "$(json .generation.status)" succeeded "a passing failure (503) is retried and then succeeds"
is "$(json .generation.attempts)" 2 "  ... on the second attempt"
is "$(calls /v1/images/generations "retried $tag")" 2 "  ... after exactly two calls"

# --- a worker killed mid-job ------------------------------------------------------------
gen "{\"prompt\":\"[slow:3] survivor $tag\",\"backend\":\"openai\",\"width\":256,\"height\":256}"
id="$(json .generation.id)"
for ((i = 0; i < 50; i++)); do
	req GET "/api/v1/generations/$id" -H "Authorization: Bearer $TOKEN"
	[[ "$(json .generation.status)" == running ]] && break
	sleep 0.1
done
is "$(json .generation.status)" running "the slow job is running"
kill -9 "$(cat "$IMAGIER_VAR/run/gen.pid")"
sleep 0.3
req GET "/api/v1/generations/$id" -H "Authorization: Bearer $TOKEN"
is "$(json .generation.status)" running "killed mid-job, the job is still marked running"
IMAGIER_ROOT="$IMAGIER_ROOT" "$IMAGIER_ROOT/tools/stack.sh" restart-gen >/dev/null 2>&1
gen_wait "$id" 150
is "$(json .generation.status)" succeeded "after a restart the job is done"
is "$(json .generation.attempts)" 2 "  ... in a second attempt"
sleep 3.5 # let the first (killed) call's late answer arrive, if any
req GET "/api/v1/generations/$id" -H "Authorization: Bearer $TOKEN"
img="$(json .generation.image.sizes.original.jpeg)"
is "$(json .generation.status)" succeeded "the job stays done"
is "$(calls /v1/images/generations "survivor $tag")" 2 "the service was asked twice (killed + finished), not more"
req POST "/api/v1/generations/$id/publish" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data '{}'
is "$STATUS" 201 "the recovered job publishes once"
req POST "/api/v1/generations/$id/publish" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data '{}'
is "$STATUS" 409 "  ... and only once"
done_testing

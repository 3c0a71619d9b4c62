#!/usr/bin/env bash
# t1400-filters.sh - the word filter: only moderators and admins read or
# change the list (API and page); a saved list applies at once to prompts,
# captions, tags, comments, bios and usernames, and sees through evasion
# (case, accents, look-alike letters, leetspeak, repeats, punctuation) and
# catches plurals and possessives of a listed word; the
# negative prompt is not filtered; an invalid list is refused whole.
source "$(dirname "$0")/lib.sh"

filters() { req "$1" /api/v1/admin/filters "${@:2}"; }

# --- who may touch the list -------------------------------------------------
filters GET
is "$STATUS" 401 "anonymous: 401"
new_user "$(uniq_name plain)"
user_token=$TOKEN
filters GET -H "Authorization: Bearer $TOKEN"
is "$STATUS" 403 "a plain user cannot read the list"
filters PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data '{"words":"x"}'
is "$STATUS" 403 "... nor change it"
req GET /admin/filters -H "Authorization: Bearer $TOKEN"
is "$STATUS" 403 "... nor open the page"

admin=$(admin_token)
filters GET -H "Authorization: Bearer $admin"
is "$STATUS" 200 "the admin reads the list"

long="$(head -c 150 /dev/zero | tr '\0' 'a')"
filters PUT -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
	--data "{\"words\":\"ok\\n$long\"}"
is "$STATUS" 400 "an entry over 100 characters: 400"
like "$(json .error.message)" "100" "... saying why"

word="zorbel$RANDOM"
filters PUT -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
	--data "{\"words\":\"# test list\\n$word\\nbuy cheap followers\"}"
is "$STATUS" 200 "the admin saves a list"
is "$(json .count)" 2 "... of two entries"
filters GET -H "Authorization: Bearer $admin"
like "$(json .words)" "$word" "the saved list reads back"
req GET /admin/filters -H "Authorization: Bearer $admin"
is "$STATUS" 200 "the admin page answers"
like "$BODY" "$word" "... showing the list"

# --- the list applies at once, and sees through evasion ----------------------
TOKEN=$user_token
up="$(image png 64 64 91)"
upload "$up" "a castle and a $word"
is "$STATUS" 400 "a prompt with a listed word: 400"
is "$(json .error.code)" blocked_word "... code blocked_word"
upload "$up" "a quiet castle" -F "caption=so ${word^^}!!"
is "$STATUS" 400 "upper case in the caption is caught"
evasive="$(sed 's/o/0/; s/e/3/' <<<"$word")"
upload "$up" "a quiet castle" -F "caption=look: $evasive"
is "$STATUS" 400 "leetspeak ($evasive) is caught"
dotted="$(sed 's/./&./g' <<<"${word:0:6}")${word:6}"
upload "$up" "a quiet castle" -F "caption=$dotted"
is "$STATUS" 400 "inserted dots ($dotted) are caught"
upload "$up" "a quiet castle" -F "tags=$word"
is "$STATUS" 400 "a listed word as a tag is caught"
upload "$up" "a quiet castle" -F "caption=buy   cheap FOLLOWERS"
is "$STATUS" 400 "a listed phrase is caught"
upload "$up" "a quiet castle" -F "caption=so many ${word}s"
is "$STATUS" 400 "a plural of a listed word is caught"
upload "$up" "a quiet castle" -F "caption=the ${word}'s keeper"
is "$STATUS" 400 "... and a possessive"
# "zorbe<U+2113>...": a script small l (a compatibility look-alike)
lookalike="zorbe$(printf '\xe2\x84\x93')${word#zorbel}"
upload "$up" "a quiet castle" -F "caption=a $lookalike"
is "$STATUS" 400 "a compatibility look-alike ($lookalike) is caught"
upload "$up" "a quiet castle" -F "caption=cheap paint, many followers"
is "$STATUS" 201 "the words of a phrase apart are fine"
post=$(json .post.id)

req POST "/api/v1/posts/$post/comments" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data "{\"text\":\"what a $word\"}"
is "$STATUS" 400 "a comment with a listed word: 400"
req POST "/api/v1/posts/$post/comments" -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data '{"text":"what a lovely castle"}'
is "$STATUS" 201 "a normal comment passes"
req PATCH /api/v1/me -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	--data "{\"bio\":\"I love $word\"}"
is "$STATUS" 400 "a bio with a listed word: 400"
req POST /api/v1/accounts -H 'Content-Type: application/json' \
	--data "{\"username\":\"x$word\",\"password\":\"correct horse battery\"}"
is "$STATUS" 201 "a name merely containing the word (not as a word) is allowed"
req POST /api/v1/accounts -H 'Content-Type: application/json' \
	--data "{\"username\":\"$word\",\"password\":\"correct horse battery\"}"
is "$STATUS" 400 "a username that is a listed word: 400"
req POST /api/v1/generations -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	--data "{\"prompt\":\"a $word in the sea\",\"width\":256,\"height\":256}"
is "$STATUS" 400 "a generation prompt with a listed word: 400"
req POST /api/v1/generations -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
	--data "{\"prompt\":\"a calm sea\",\"negative_prompt\":\"no $word\",\"width\":256,\"height\":256}"
is "$STATUS" 202 "the negative prompt is not filtered"
req DELETE "/api/v1/generations/$(json .generation.id)" -H "Authorization: Bearer $TOKEN"

# --- an empty list lets everything through again ------------------------------
filters PUT -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' --data '{"words":""}'
is "$STATUS" 200 "the list can be emptied"
upload "$up" "a castle and a $word"
is "$STATUS" 201 "with an empty list the word passes"
done_testing

#!/usr/bin/env bash
# t2110-muted-terms.sh - muted words and tags: posts whose prompt or caption
# has a muted word (whole word, any case, accents or compatibility look-alike,
# plurals and possessives) or that
# carry a muted tag leave the latest, following and tag feeds of that person
# only, and comments with a muted word leave their notifications. PUT
# /api/v1/me/filters checks everything first: a term too long, too many
# terms, a bad tag or choice is 400 and nothing is written.
source "$(dirname "$0")/lib.sh"


# Letters only: text folding reads digits as look-alike letters.
n="$(tr -dc a-z </dev/urandom | head -c 8)"
tag="creepy$n"
word="arachnid$n" # unique, so other posts of the suite never match
new_user "$(uniq_name poster)"
poster=$TOKEN
poster_name="$(json .user.username)"
upload "$(image png 80 80 81)" "Two big hairy ${word^^}S on a web"
p_word=$(json .post.id)
upload "$(image png 80 80 82)" "a quiet garden" -F "caption=look, a $word!"
p_caption=$(json .post.id)
upload "$(image png 80 80 83)" "a dark cellar" -F "tags=$tag"
p_tag=$(json .post.id)
upload "$(image png 80 80 84)" "${word}ology textbook cover"
p_part=$(json .post.id)
upload "$(image png 80 80 85)" "CRÈME brûlée$n art"
p_accent=$(json .post.id)
upload "$(image png 80 80 86)" "a sunny meadow" -F "tags=$tag-not"
p_clean=$(json .post.id)
upload "$(image png 80 80 88)" "the ${word}'s web at dawn"
p_poss=$(json .post.id)
upload "$(image png 80 80 89)" "a quiet attic" -F "caption=two ${word}s' webs"
p_plposs=$(json .post.id)
# "ara<U+217D>hnid...": a small roman numeral one hundred for the c
lookalike="ara$(printf '\xe2\x85\xbd')${word#arac}"
upload "$(image png 80 80 90)" "an $lookalike on the wall"
p_compat=$(json .post.id)

new_user "$(uniq_name muter)"
muter=$TOKEN
muter_name="$(json .user.username)"
upload "$(image png 80 80 87)" "my own $word, which I still see"
p_own=$(json .post.id)
new_user "$(uniq_name other)"
other=$TOKEN
call PUT "/api/v1/users/$poster_name/follow" "$muter"

call GET /api/v1/me/filters "$muter"
is "$STATUS" 200 "GET /api/v1/me/filters answers 200"
is "$(jsonc '[.muted_words, .muted_tags, .muted_users, .blocked_users, .content_warnings]')" \
	'[[],[],[],[],"blur"]' "... empty lists and blur at first"
req GET /api/v1/me/filters
is "$STATUS" 401 "... and 401 anonymously"

call PUT /api/v1/me/filters "$muter" \
	"{\"muted_words\":[\"  ${word^} \",\"\",\"creme brulee$n\",\"${word}\"],\"muted_tags\":[\"#${tag^^}\"]}"
is "$STATUS" 200 "PUT /api/v1/me/filters answers 200"
is "$(jsonc .muted_words)" "[\"$word\",\"creme brulee$n\"]" "... words trimmed, lower-cased, blank and repeated ones dropped"
is "$(jsonc .muted_tags)" "[\"$tag\"]" "... the tag without # and lower-case"
is "$(json .content_warnings)" blur "... the content-warning choice untouched"

for f in latest following; do
	is "$(feed_has "$muter" "kind=$f" "$p_word")" no "$f: a muted word in the prompt (other case, plural) hides the post"
done
is "$(feed_has "$muter" kind=latest "$p_caption")" no "a muted word in the caption hides the post"
is "$(feed_has "$muter" kind=latest "$p_accent")" no "a muted phrase matches without accents or case"
is "$(feed_has "$muter" kind=latest "$p_poss")" no "a possessive (${word}'s) hides the post"
is "$(feed_has "$muter" kind=latest "$p_plposs")" no "... and a plural possessive (${word}s')"
is "$(feed_has "$muter" kind=latest "$p_compat")" no "a compatibility look-alike ($lookalike, U+217D for c) hides the post"
is "$(feed_has "$muter" kind=following "$p_tag")" no "a muted tag hides the post (following)"
call GET "/api/v1/tags/$tag/posts" "$muter"
is "$(json "[.items[].id] | index($p_tag)")" null "... and from the tag's own feed"
is "$(feed_has "$muter" kind=latest "$p_part")" yes "only whole words: \"${word}ology\" stays"
is "$(feed_has "$muter" kind=latest "$p_clean")" yes "a post with another tag stays"
is "$(feed_has "$muter" kind=latest "$p_own")" yes "the muter's own post stays"
is "$(feed_has "$other" kind=latest "$p_word")" yes "someone else still sees the posts"
call GET "/api/v1/tags/$tag/posts" "$other"
is "$(json "[.items[].id] | index($p_tag) != null")" true "... the tagged one too"

# Notifications: a comment with a muted word is left out (and not counted).
call POST "/api/v1/posts/$p_own/comments" "$poster" "{\"text\":\"I found an ${word^^} in my shoe\"}"
call POST "/api/v1/posts/$p_own/comments" "$poster" '{"text":"lovely picture"}'
call GET /api/v1/notifications "$muter"
is "$(json '[.items[] | select(.kind == "comment") | .comment] | join("|")')" "lovely picture" \
	"a comment with a muted word leaves the notifications"
is "$(json .unread)" 1 "... and the unread count"
call POST "/api/v1/posts/$p_own/comments" "$other" "{\"text\":\"$word\"}"
call GET /api/v1/notifications "$muter"
is "$(json '[.items[] | select(.kind == "comment")] | length')" 1 "... whoever wrote it"

# Validation: nothing is written on a 400.
long="$(head -c 41 /dev/zero | tr '\0' 'a')"
call PUT /api/v1/me/filters "$muter" "{\"muted_words\":[\"ok\",\"$long\"],\"content_warnings\":\"hide\"}"
is "$STATUS/$(json .error.code)" 400/bad_term "a term of 41 characters: 400"
like "$(json .error.message)" "longer than 40" "... says why"
forty="$(head -c 40 /dev/zero | tr '\0' 'b')"
many="$(for i in $(seq 1 101); do printf '"w%d",' "$i"; done)"
call PUT /api/v1/me/filters "$muter" "{\"muted_words\":[${many%,}]}"
is "$STATUS/$(json .error.code)" 400/too_many_terms "101 words: 400"
words60="$(for i in $(seq 1 60); do printf '"w%d",' "$i"; done)"
tags50="$(for i in $(seq 1 50); do printf '"t%d",' "$i"; done)"
call PUT /api/v1/me/filters "$muter" "{\"muted_words\":[${words60%,}],\"muted_tags\":[${tags50%,}]}"
is "$STATUS/$(json .error.code)" 400/too_many_terms "60 words and 50 tags (110 in all): 400"
tags99="$(for i in $(seq 1 99); do printf '"t%d",' "$i"; done)"
call PUT /api/v1/me/filters "$muter" "{\"muted_tags\":[${tags99%,}],\"content_warnings\":\"hide\"}"
is "$STATUS/$(json .error.code)" 400/too_many_terms "99 tags with the 2 words muted already (101 in all): 400"
call PUT /api/v1/me/filters "$muter" '{"muted_tags":["two words"]}'
is "$STATUS/$(json .error.code)" 400/bad_term "a tag of two words: 400"
call PUT /api/v1/me/filters "$muter" '{"muted_words":["!!!"]}'
is "$STATUS/$(json .error.code)" 400/bad_term "a word without letters: 400"
call PUT /api/v1/me/filters "$muter" '{"muted_words":"spiders"}'
is "$STATUS/$(json .error.code)" 400/bad_list "a string instead of a list: 400"
call PUT /api/v1/me/filters "$muter" '{"muted_words":[42]}'
is "$STATUS" 400 "a number in the list: 400"
call PUT /api/v1/me/filters "$muter" '{"content_warnings":"sometimes"}'
is "$STATUS/$(json .error.code)" 400/bad_content_warnings "an unknown content-warning choice: 400"
call PUT /api/v1/me/filters "$muter" '{}'
is "$STATUS/$(json .error.code)" 400/nothing_to_change "nothing to change: 400"
call GET /api/v1/me/filters "$muter"
is "$(jsonc '[.muted_words, .muted_tags, .content_warnings]')" \
	"[[\"$word\",\"creme brulee$n\"],[\"$tag\"],\"blur\"]" "the refused requests wrote nothing"
call PUT /api/v1/me/filters "$muter" "{\"muted_words\":[\"$forty\"]}"
is "$STATUS" 200 "a term of exactly 40 characters is fine"

# The settings page: textareas, one term a line.
jar="$TMP/jar"
login_jar "$muter_name" "$jar"
req GET /settings/filters -b "$jar"
is "$STATUS" 200 "the filters page answers"
like "$BODY" "<textarea id=\"muted_words\" name=\"muted_words\"[^>]*>$forty" "... with the muted words"
like "$BODY" "<textarea id=\"muted_tags\" name=\"muted_tags\"[^>]*>$tag" "... and tags"
like "$BODY" 'value="blur" checked' "... and the content-warning choice"
req GET /settings -b "$jar"
like "$BODY" 'href="/settings/filters"' "the settings page links to it"
req POST /settings/filters -b "$jar" --data-urlencode "csrf=$JAR_CSRF" \
	--data-urlencode $'muted_words=Spider\r\n\r\nwasp' --data-urlencode $'muted_tags=#bugs\nmoths' \
	--data-urlencode "content_warnings=show"
is "$STATUS $(header location)" "303 /settings/filters" "saving the form answers 303"
call GET /api/v1/me/filters "$muter"
is "$(jsonc '[.muted_words, .muted_tags, .content_warnings]')" '[["spider","wasp"],["bugs","moths"],"show"]' \
	"... and replaced the lists, one term a line"
req POST /settings/filters -b "$jar" --data-urlencode "csrf=$JAR_CSRF" \
	--data-urlencode "muted_words=$long" --data-urlencode "muted_tags=" \
	--data-urlencode "content_warnings=blur"
is "$STATUS" 400 "a refused form: 400"
like "$BODY" 'role="alert">Muted word 1 is longer than 40' "... shown again with the reason"
like "$BODY" ">$long</textarea>" "... and what was typed"
call GET /api/v1/me/filters "$muter"
is "$(jsonc '[.muted_words, .content_warnings]')" '[["spider","wasp"],"show"]' "... and nothing written"

# Unmuting brings the posts back.
call PUT /api/v1/me/filters "$muter" '{"muted_words":[],"muted_tags":[]}'
is "$(feed_has "$muter" kind=latest "$p_tag")" yes "lists emptied: the posts are back"
done_testing

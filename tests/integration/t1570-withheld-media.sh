#!/usr/bin/env bash
# t1570-withheld-media.sh - the files of a hidden or removed post stop being
# served at once: every size answers 404 to everybody but the people who may
# still see the post (its author, the moderators), who get it privately
# (never "public" or "immutable"). Restoring the post (or overturning its
# removal on appeal) serves them publicly again. Banning a person withholds
# the files of all their posts (on the page and from the command line);
# unbanning serves again those of the posts that are back in view. A file shared with a post
# still in view stays public. A worker killed between the decision and the
# move leaves files where they were; `imagier sweep-media` puts them right,
# both ways.
source "$(dirname "$0")/lib.sh"
seed=$((RANDOM * 7 + 300000)) # fresh pictures on every run: removing one blocks its hash

act() { # act TOKEN TYPE ID ACTION REASON
	call POST /api/v1/admin/actions "$1" \
		"{\"target_type\":\"$2\",\"target_id\":$3,\"action\":\"$4\",\"reason\":\"$5\"}"
}
urls_of() { # the URLs of every file of the post in BODY
	json '[.post.image.sizes[] | .webp, .jpeg] | map(select(. != null)) | unique | .[]'
}
# statuses URL...: the anonymous status of each URL, space-separated
statuses() {
	local u out=()
	for u in "$@"; do out+=("$(http_code "$u")"); done
	echo "${out[*]}"
}
all() { # all N CODE: "CODE CODE ..." N times
	local i out=()
	for ((i = 0; i < $1; i++)); do out+=("$2"); done
	echo "${out[*]}"
}
stored() { [[ -f "$MEDIA/${1#/media/}" ]] && echo served || { [[ -f "$MEDIA/.withheld/${1#/media/}" ]] && echo withheld || echo missing; }; }

admin=$(admin_token)
author_name="$(uniq_name wauthor)"
new_user "$author_name"
author=$TOKEN
new_user "$(uniq_name wother)"
other=$TOKEN
mod_name="$(uniq_name wmod)"
new_user "$mod_name"
mod=$TOKEN
call PATCH "/api/v1/admin/users/$mod_name" "$admin" '{"role":"moderator","reason":"helps"}'
is "$STATUS" 200 "a moderator is made"

TOKEN=$author
upload "$(mosaic png 900 700 "$seed")" "a harbour at dusk"
is "$STATUS" 201 "the author posts a picture"
post=$(json .post.id)
mapfile -t urls < <(urls_of)
n=${#urls[@]}
ok "$( ((n >= 4)); echo $?)" "... in several files ($n)"
u="${urls[0]}"
is "$(statuses "${urls[@]}")" "$(all "$n" 200)" "every file is served to everybody"
req GET "$u"
is "$(header cache-control)" "public, max-age=31536000, immutable" "... cached for a year"

# --- hidden ----------------------------------------------------------------------------
act "$mod" post "$post" hide "Let us have a look"
is "$STATUS" 200 "a moderator hides the post"
is "$(statuses "${urls[@]}")" "$(all "$n" 404)" "at once, no file of it is served to visitors"
is "$(stored "$u")" withheld "... it left the served store"
req GET "$u" -H "Authorization: Bearer $other"
is "$STATUS" 404 "nor to another person"
unlike "$(header cache-control)" "immutable|public" "... and the answer is not cached"
req GET "$u" -H "Authorization: Bearer $author"
is "$STATUS" 200 "its author still sees it (the post page shows it to them)"
u_type=image/jpeg
[[ $u == *.webp ]] && u_type=image/webp
is "$(header content-type)" "$u_type" "... as the image it is"
is "$(header cache-control)" "private, no-store" "... never kept by a shared cache"
is "$(curl -s "$IMAGIER_URL$u" -H "Authorization: Bearer $author" | cmp - "$MEDIA/.withheld/${u#/media/}" && echo same)" same \
	"... the very bytes"
for x in "${urls[@]}"; do
	req GET "$x" -H "Authorization: Bearer $mod"
	[[ $STATUS == 200 ]] || break
done
is "$STATUS" 200 "the moderators see every file of it"
call GET "/api/v1/posts/$post" "$author"
is "$(urls_of | tr '\n' ' ')" "$(printf '%s ' "${urls[@]}")" "its author's view of the post keeps its URLs"
is "$(http_code "/media/.withheld/${u#/media/}")" 404 "the withheld store has no URL of its own"
is "$(http_code "/_withheld/${u#/media/}")" 404 "... nor its internal location"

# --- restored, removed, appealed ------------------------------------------------------------
act "$mod" post "$post" restore "Fine after all"
is "$(statuses "${urls[@]}")" "$(all "$n" 200)" "restored: every file is served again"
is "$(stored "$u")" served "... from the served store"
req GET "$u"
is "$(header cache-control)" "public, max-age=31536000, immutable" "... publicly"
act "$mod" post "$post" remove "Not allowed here"
is "$STATUS" 200 "the post is removed"
remove_id=$(json .action.id)
is "$(statuses "${urls[@]}")" "$(all "$n" 404)" "removed: no file of it is served to visitors"
call GET "$u" "$author"
is "$STATUS" 200 "... its author still gets them"
call POST /api/v1/appeals "$author" "{\"action_id\":$remove_id,\"note\":\"it is my own photo\"}"
appeal=$(json .appeal.id)
act "$admin" appeal "$appeal" overturn "You are right"
is "$STATUS" 200 "the removal is overturned on appeal"
is "$(statuses "${urls[@]}")" "$(all "$n" 200)" "... and the files are served again"

# --- a picture two posts share ------------------------------------------------------------------
shared="$(mosaic png 640 480 $((seed + 1)))"
TOKEN=$author
upload "$shared" "the same file, first"
p1=$(json .post.id)
mapfile -t surls < <(urls_of)
TOKEN=$other
upload "$shared" "the same file, again"
p2=$(json .post.id)
is "$(sql "SELECT COUNT(DISTINCT image_id) FROM posts WHERE id IN ($p1, $p2)")" 1 "two posts of the very same file share its image"
act "$mod" post "$p2" remove "Copied"
is "$(statuses "${surls[@]}")" "$(all "${#surls[@]}" 200)" "removing one leaves the files served: the other post shows them"
act "$mod" post "$p1" hide "Looking"
is "$(statuses "${surls[@]}")" "$(all "${#surls[@]}" 404)" "... until no post of them is in view"
act "$mod" post "$p1" restore "Fine"

# --- the same bytes uploaded again ---------------------------------------------------------------
# An upload stores its files before it is checked: a refused re-upload of a
# removed picture must not put them back in the served store, while a new
# post that is allowed (the same file as a hidden post) brings them back.
again="$(mosaic png 600 400 $((seed + 2)))"
TOKEN=$author
upload "$again" "posted, then removed"
q1=$(json .post.id)
mapfile -t qurls < <(urls_of)
act "$mod" post "$q1" remove "Not here"
TOKEN=$other
upload "$again" "the very same file"
is "$STATUS/$(json .error.code)" 422/blocked_image "the very same file of a removed post is refused"
is "$(statuses "${qurls[@]}")" "$(all "${#qurls[@]}" 404)" "... and its files stay withheld"
is "$(stored "${qurls[0]}")" withheld "... none is back in the served store"
hidden="$(mosaic png 600 400 $((seed + 3)))"
TOKEN=$author
upload "$hidden" "posted, then hidden"
h1=$(json .post.id)
mapfile -t hurls < <(urls_of)
act "$mod" post "$h1" hide "Looking"
is "$(statuses "${hurls[@]}")" "$(all "${#hurls[@]}" 404)" "a hidden post's files are withheld"
TOKEN=$other
upload "$hidden" "the same file, in view"
is "$STATUS" 201 "someone posts the very same file (hiding blocks nothing)"
is "$(statuses "${hurls[@]}")" "$(all "${#hurls[@]}" 200)" "... and its files are served again"
is "$(stored "${hurls[0]}")" served "... from the served store"
req GET "${hurls[0]}"
is "$(header cache-control)" "public, max-age=31536000, immutable" "... publicly"

# --- a worker killed between the decision and the move ------------------------------------------
# The decision is committed (the state changes) but the files were not moved:
# they stay where they were, nothing is lost, and the sweeper moves them.
sql "UPDATE posts SET mod_state = 'removed' WHERE id = $post" >/dev/null
is "$(stored "$u")" served "a decision whose move never ran leaves the files in place"
cli sweep-media
is "$RC" 0 "sweep-media runs"
like "$OUT" "moved [1-9][0-9]* files of hidden or removed posts" "... and says it moved files"
is "$(stored "$u")" withheld "... the post's files are withheld"
is "$(statuses "${urls[@]}")" "$(all "$n" 404)" "... and no longer served"
sql "UPDATE posts SET mod_state = 'visible' WHERE id = $post" >/dev/null
is "$(stored "$u")" withheld "a restore whose move never ran leaves them withheld"
req GET "$u"
is "$STATUS/$(header cache-control)" "200/private, no-store" "... yet everybody gets them again (through the app)"
cli sweep-media
is "$(stored "$u")" served "the sweeper serves them from the served store again"
req GET "$u"
is "$(header cache-control)" "public, max-age=31536000, immutable" "... publicly"
[[ -f "$MEDIA/${u#/media/}" && ! -e "$MEDIA/.withheld/${u#/media/}" ]] &&
	pass "each file is in exactly one store" || fail "each file is in exactly one store"

# --- a banned person ------------------------------------------------------------------------------
# Their posts leave view (410), and so do their files; a picture another
# post still shows stays served; unbanned, what is in view again comes back,
# but not a post that is itself hidden.
banned_name="$(uniq_name wbanned)"
new_user "$banned_name"
banned_id=$USER_ID
upload "$(mosaic png 700 500 $((seed + 4)))" "a banned person's picture"
b1=$(json .post.id)
mapfile -t burls < <(urls_of)
bu="${burls[0]}"
bshared="$(mosaic png 620 460 $((seed + 5)))"
upload "$bshared" "a picture someone else posts too"
mapfile -t bsurls < <(urls_of)
upload "$(mosaic png 660 480 $((seed + 6)))" "a picture hidden before the ban"
bh=$(json .post.id)
mapfile -t bhurls < <(urls_of)
TOKEN=$other
upload "$bshared" "the same picture, by someone in good standing"
is "$STATUS" 201 "someone else posts one of the pictures too"
act "$mod" post "$bh" hide "Looking"
is "$(statuses "${burls[@]}")" "$(all "${#burls[@]}" 200)" "before the ban, the person's files are served"

act "$mod" user "$banned_id" ban "Spam account"
is "$STATUS" 200 "a moderator bans the person"
is "$(http_code "/api/v1/posts/$b1")" 410 "... their post is gone for visitors"
is "$(statuses "${burls[@]}")" "$(all "${#burls[@]}" 404)" "... and at once no file of it is served to visitors"
is "$(stored "$bu")" withheld "... it left the served store"
req GET "$bu" -H "Authorization: Bearer $other"
is "$STATUS" 404 "... nor to another person"
for x in "${burls[@]}"; do
	req GET "$x" -H "Authorization: Bearer $mod"
	[[ $STATUS == 200 ]] || break
done
is "$STATUS/$(header cache-control)" "200/private, no-store" "the moderators get every file of it, privately"
is "$(statuses "${bsurls[@]}")" "$(all "${#bsurls[@]}" 200)" "a picture another post shows stays served"
is "$(stored "${bsurls[0]}")" served "... from the served store"
is "$(http_code "/u/$banned_name")" 200 "the banned person's profile page still answers (so their avatar stays served)"

act "$mod" user "$banned_id" unban "Appeal by mail accepted"
is "$STATUS" 200 "the ban is lifted"
is "$(statuses "${burls[@]}")" "$(all "${#burls[@]}" 200)" "... and the person's files are served again"
is "$(stored "$bu")" served "... from the served store"
req GET "$bu"
is "$(header cache-control)" "public, max-age=31536000, immutable" "... publicly"
is "$(statuses "${bhurls[@]}")" "$(all "${#bhurls[@]}" 404)" "a post hidden on its own stays withheld"
is "$(stored "${bhurls[0]}")" withheld "... in the withheld store"

cli ban "$banned_name" --reason "Spam from the command line"
is "$RC" 0 "the command line bans the person"
is "$(statuses "${burls[@]}")" "$(all "${#burls[@]}" 404)" "... and their files are withheld too"
is "$(stored "$bu")" withheld "... out of the served store"
cli unban "$banned_name" --reason "Cleared"
is "$RC/$(statuses "${burls[@]}")" "0/$(all "${#burls[@]}" 200)" "the command line lifts it: served again"

# A ban or an unban whose move never ran: the sweeper puts the files right.
sql "UPDATE users SET banned_at = UNIX_TIMESTAMP() WHERE id = $banned_id" >/dev/null
is "$(stored "$bu")" served "a ban whose move never ran leaves the files in place"
cli sweep-media
is "$RC" 0 "sweep-media runs"
is "$(stored "$bu")" withheld "... the banned person's files are withheld"
is "$(statuses "${burls[@]}")" "$(all "${#burls[@]}" 404)" "... and no longer served"
is "$(stored "${bsurls[0]}")" served "... but not a picture another post shows"
sql "UPDATE users SET banned_at = NULL WHERE id = $banned_id" >/dev/null
cli sweep-media
is "$(stored "$bu")" served "an unban whose move never ran: the sweeper serves them again"
is "$(stored "${bhurls[0]}")" withheld "... but not a post hidden on its own"
done_testing

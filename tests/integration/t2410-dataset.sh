#!/usr/bin/env bash
# t2410-dataset.sh - `imagier export-dataset`: consent on/off and the per-post
# yes/no/inherit decide exactly which posts go into the dataset (never a post
# the moderators removed or hid, nor one of a banned author); the manifest
# carries the prompt, generation, tags, counts, lineage, content warning,
# consent record and the image's size and SHA-256; a non-empty directory is
# refused unless --resume, which finishes an interrupted export; a --since run
# adds only what is new and lists what must be withdrawn (and marks it so);
# a full disk leaves no partial files and records nothing.
source "$(dirname "$0")/lib.sh"

export_ds() { # export_ds ARGS...: sets RC, OUT, ERR
	"$IMAGIER_BIN/imagier" export-dataset "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	OUT="$(cat "$TMP/out")"
	ERR="$(cat "$TMP/err")"
}
ids() { jq -r .id "$1" | paste -sd' ' -; } # ids FILE.jsonl: the ids, in file order
sorted() { printf '%s\n' "$@" | sort -n | paste -sd' ' -; }
line() { jq -c "select(.id == $2)" "$1"; } # line FILE ID
gen_wait() {
	local i st
	for ((i = 0; i < 150; i++)); do
		api GET "/api/v1/generations/$1"
		st="$(json .generation.status)"
		[[ $st == queued || $st == running ]] || return 0
		sleep 0.2
	done
	return 1
}
consent() { api PATCH /api/v1/me "{\"training_consent\":$1}"; }
override() { api PATCH "/api/v1/posts/$1" "{\"training_consent\":\"$2\"}"; }
new_post() { # new_post SEED PROMPT [curl args]: prints the post id
	upload "$(image mosaic-png 320 240 "$1")" "$2" "${@:3}"
	json .post.id
}
# image mosaic-png: lib.sh's image with mkimage's detailed mode (bigger files).
image() {
	local f="$TMP/img-$1-$2x$3-${4:-1}.png"
	if [[ $1 == mosaic-png ]]; then
		"$MKIMAGE" mosaic png "$2" "$3" "$f" "${4:-1}" >/dev/null && echo "$f"
	else
		f="$TMP/img-$1-$2x$3-${4:-1}.${1/jpeg/jpg}"
		"$MKIMAGE" "$1" "$2" "$3" "$f" "${4:-1}" >/dev/null && echo "$f"
	fi
}

# A clean start on a stack other tests (or earlier runs) used: nobody consents,
# and a first export marks whatever earlier exports hold as withdrawn.
sql "UPDATE users SET training_consent = 0; UPDATE posts SET training_consent = 'inherit'"
export_ds --out "$TMP/base"
is "$RC" 0 "a first export with nobody consenting succeeds"
is "$(wc -l <"$TMP/base/manifest.jsonl")" 0 "... and holds nothing"

# ---- who consents to what ----------------------------------------------------
new_user "$(uniq_name dsa)" # A: consents; a2 says no; a3 removed, a5 hidden
A=$TOKEN
A_id="$(json .user.id)"
consent true
A_event="$(sql "SELECT MAX(id) FROM consent_events WHERE user_id = $A_id AND post_id IS NULL")"
a1=$(new_post 1 "a lighthouse in a storm" -F "tags=sea, boat" -F "content_warning=flashing light")
a2=$(new_post 2 "a private sketch")
override "$a2" no
a3=$(new_post 3 "a post the moderators removed")
a5=$(new_post 5 "a post the moderators hid")
sql "UPDATE posts SET mod_state = 'removed' WHERE id = $a3; UPDATE posts SET mod_state = 'hidden' WHERE id = $a5"
api POST /api/v1/generations '{"prompt":"a red kite over hills","seed":7,"width":512,"height":512}'
gen_wait "$(json .generation.id)"
api POST "/api/v1/generations/$(json .generation.id)/publish" '{"tags":"kite"}'
g1=$(json .post.id)
api POST "/api/v1/posts/$g1/remix" '{"prompt":"a blue kite over hills","negative_prompt":"clouds","style":"watercolor"}'
gen_wait "$(json .generation.id)"
api POST "/api/v1/generations/$(json .generation.id)/publish" '{}'
r1=$(json .post.id)
[[ -n $g1 && $g1 != null && -n $r1 && $r1 != null ]] && pass "a generated post and its remix" ||
	fail "generation failed" "g1=$g1 r1=$r1"

new_user "$(uniq_name dsb)" # B: does not consent, but says yes for b2
B=$TOKEN
b1=$(new_post 11 "b's ordinary post")
b2=$(new_post 12 "b's post for the dataset")
override "$b2" yes
b2_event="$(sql "SELECT MAX(id) FROM consent_events WHERE post_id = $b2")"
api PUT "/api/v1/posts/$a1/like"

new_user "$(uniq_name dsc)" # C: never chooses (yet)
C=$TOKEN
c1=$(new_post 21 "c's post")
api POST "/api/v1/posts/$a1/comments" '{"text":"lovely light"}'

new_user "$(uniq_name dsd)" # D: consents, then is banned
D_id="$(json .user.id)"
consent true
d1=$(new_post 31 "d's post")
sql "UPDATE users SET banned_at = UNIX_TIMESTAMP() WHERE id = $D_id"

new_user "$(uniq_name dse)" # E: consents (withdraws later)
E=$TOKEN
consent true
e1=$(new_post 41 "e's post")

# A post held for review, and a consent column set by hand without an event
# (not a consent record): both stay out.
TOKEN=$A
a7=$(new_post 7 "a post held for review")
sql "UPDATE posts SET mod_state = 'held' WHERE id = $a7"
TOKEN=$C
c2=$(new_post 22 "c's post, column set by hand")
sql "UPDATE posts SET training_consent = 'yes' WHERE id = $c2"

# ---- the first export -------------------------------------------------------------
ds="$TMP/ds"
export_ds --out "$ds"
is "$RC" 0 "export-dataset: exit 0"
expect="$(sorted "$a1" "$g1" "$r1" "$b2" "$e1")"
is "$(ids "$ds/manifest.jsonl")" "$expect" \
	"exactly the consented posts, by id (not a2, a3, a5, a7, b1, c1, c2, d1)"
like "$OUT" "5 posts" "the summary counts them"
like "$ERR" "export-dataset: 5/5 posts" "progress lines on a non-terminal stderr"
is "$(wc -c <"$ds/withdrawn.jsonl")" 0 "nothing to withdraw yet"
export1="$(sql "SELECT MAX(id) FROM dataset_exports")"
is "$(sql "SELECT items, finished_at IS NOT NULL FROM dataset_exports WHERE id = $export1")" "5	1" \
	"dataset_exports records the run"
is "$(sql "SELECT GROUP_CONCAT(post_id ORDER BY post_id SEPARATOR ' ') FROM dataset_items WHERE first_export_id = $export1")" \
	"$expect" "dataset_items lists the same posts"

L="$(line "$ds/manifest.jsonl" "$a1")"
is "$(jq -r .prompt <<<"$L")" "a lighthouse in a storm" "a1: prompt"
is "$(jq -c .tags <<<"$L")" '["sea","boat"]' "a1: tags"
is "$(jq -c '[.like_count, .comment_count, .remix_count]' <<<"$L")" '[1,1,0]' "a1: engagement counts"
is "$(jq -c '[.parent_id, .root_id]' <<<"$L")" "[null,$a1]" "a1: no parent, its own root"
is "$(jq -r .content_warning <<<"$L")" "flashing light" "a1: content warning"
is "$(jq -c '[.generation, .negative_prompt]' <<<"$L")" '[null,""]' "a1: uploaded, no generation"
is "$(jq -c '[.consent.record_id, .consent.scope]' <<<"$L")" "[$A_event,\"account\"]" \
	"a1: the consent record is A's account event"
is "$(jq -r .consent.date <<<"$L")" \
	"$(date -u -d "@$(sql "SELECT created_at FROM consent_events WHERE id = $A_event")" +%FT%TZ)" \
	"a1: ... and its date"
is "$(jq -r .url <<<"$L")" "/p/$a1" "a1: url"
author="$(jq -r .author <<<"$L")"
like "$author" '^[A-Za-z0-9_-]{16}$' "a1: the author is a pseudonym"
unlike "$author" "dsa" "... not the username"
is "$(jq -r .author <<<"$(line "$ds/manifest.jsonl" "$g1")")" "$author" "... the same for every post of A"
isnt "$(jq -r .author <<<"$(line "$ds/manifest.jsonl" "$b2")")" "$author" "... another for B"
file="$(jq -r .image.file <<<"$L")"
is "$file" "images/$a1.webp" "a1: images/<id>.webp"
[[ -s "$ds/$file" ]] && pass "a1: the image is there" || fail "a1: image missing: $ds/$file"
is "$(sha256sum "$ds/$file" | cut -d' ' -f1)" "$(jq -r .image.sha256 <<<"$L")" "a1: sha256 matches"
is "$(stat -c %s "$ds/$file")" "$(jq -r .image.bytes <<<"$L")" "a1: size matches"
is "$(jq -c '[.image.width, .image.height]' <<<"$L")" '[320,240]' "a1: width and height"
is "$(ls "$ds/images" | wc -l)" 5 "one image per post, nothing else"
images_match() { # images_match DIR: every image of the manifest has its SHA-256
	local l
	while read -r l; do
		[[ "$(sha256sum "$1/$(jq -r .image.file <<<"$l")" | cut -d' ' -f1)" == \
			"$(jq -r .image.sha256 <<<"$l")" ]] || return 1
	done <"$1/manifest.jsonl"
}
images_match "$ds"
ok $? "every image matches its sha256"

L="$(line "$ds/manifest.jsonl" "$r1")"
is "$(jq -c '[.parent_id, .root_id]' <<<"$L")" "[$g1,$g1]" "r1: remix parent and root"
is "$(jq -r .negative_prompt <<<"$L")" clouds "r1: negative prompt"
is "$(jq -c '[.generation.backend, .generation.seed, .generation.width, .generation.style]' <<<"$L")" \
	'["procedural",7,512,"watercolor"]' "r1: generation parameters"
is "$(jq -r .remix_count <<<"$(line "$ds/manifest.jsonl" "$g1")")" 1 "g1: remix count"
L="$(line "$ds/manifest.jsonl" "$b2")"
is "$(jq -c '[.consent.record_id, .consent.scope]' <<<"$L")" "[$b2_event,\"post\"]" \
	"b2: the consent record is the post's own event"

# ---- a non-empty directory; --resume ------------------------------------------------
cp "$ds/manifest.jsonl" "$TMP/manifest-1"
export_ds --out "$ds"
is "$RC" 2 "a non-empty directory is refused: exit 2"
like "$ERR" "not empty.*--resume" "... saying why and what to do"
cmp -s "$ds/manifest.jsonl" "$TMP/manifest-1" && pass "... and left as it was" || fail "changed"

# An interrupted export: two lines, a third cut short, only the first image.
part="$TMP/part"
mkdir -p "$part/images"
head -2 "$ds/manifest.jsonl" >"$part/manifest.jsonl"
sed -n 3p "$ds/manifest.jsonl" | head -c 40 >>"$part/manifest.jsonl"
first="$(head -1 "$ds/manifest.jsonl" | jq -r .image.file)"
cp "$ds/$first" "$part/$first"
touch "$part/images/.tmp-99.webp"
items_before="$(sql "SELECT COUNT(*) FROM dataset_items")"
export_ds --out "$part" --resume
is "$RC" 0 "--resume: exit 0"
like "$OUT" "5 posts .*3 new, 2 already there" "... two kept, three written"
cmp -s "$part/manifest.jsonl" "$ds/manifest.jsonl" && pass "... the manifest is whole and the same" ||
	fail "resumed manifest differs" "$(diff "$part/manifest.jsonl" "$ds/manifest.jsonl" | head -5)"
is "$(ls -A "$part/images" | wc -l)" 5 "... every image, no temp file left"
is "$(sql "SELECT COUNT(*) FROM dataset_items")" "$items_before" "... no new dataset_items (same posts)"

# ---- withdrawals and a --since run -------------------------------------------------
# F consents and posts, both back-dated before --since: eligible, never
# exported, but not new, so a --since run leaves it out.
new_user "$(uniq_name dsf)"
F_id="$(json .user.id)"
consent true
f1=$(new_post 51 "f's old post")
sql "UPDATE consent_events SET created_at = created_at - 3 * 86400 WHERE user_id = $F_id;
     UPDATE posts SET created_at = created_at - 3 * 86400 WHERE id = $f1"
since="$(date -u -d '1 day ago' +%F)"

TOKEN=$E && consent false                    # E withdraws: e1
TOKEN=$A && override "$a1" no                # A withdraws one post: a1
sql "UPDATE posts SET mod_state = 'hidden' WHERE id = $r1"   # hidden after export: r1
sql "UPDATE users SET banned_at = UNIX_TIMESTAMP() WHERE id = (SELECT user_id FROM posts WHERE id = $b2)" # b2
TOKEN=$A && a6=$(new_post 6 "a new lighthouse")  # new, A consents: in
sql "UPDATE posts SET created_at = created_at - 3 * 86400 WHERE id = $c1"
TOKEN=$C && consent true                     # an old post whose consent is new: c1 in

ds2="$TMP/ds2"
export_ds --out "$ds2" --since "$since"
is "$RC" 0 "--since $since: exit 0"
is "$(ids "$ds2/manifest.jsonl")" "$(sorted "$c1" "$a6")" \
	"only what is new: a6 (new post) and c1 (consent given since); not f1, not g1 again"
is "$(ids "$ds2/withdrawn.jsonl")" "$(sorted "$a1" "$b2" "$e1" "$r1")" \
	"withdrawn.jsonl lists exactly a1, b2, e1, r1"
is "$(jq -r "select(.id == $e1) | .reason" "$ds2/withdrawn.jsonl")" consent_withdrawn "e1: consent withdrawn"
is "$(jq -r "select(.id == $a1) | .reason" "$ds2/withdrawn.jsonl")" consent_withdrawn "a1: consent withdrawn (the post)"
is "$(jq -r "select(.id == $r1) | .reason" "$ds2/withdrawn.jsonl")" moderation "r1: moderation"
is "$(jq -r "select(.id == $b2) | .reason" "$ds2/withdrawn.jsonl")" author_banned "b2: author banned"
is "$(ls "$ds2/images" | wc -l)" 2 "two images"
export2="$(sql "SELECT MAX(id) FROM dataset_exports")"
is "$(sql "SELECT GROUP_CONCAT(post_id ORDER BY post_id SEPARATOR ' ') FROM dataset_items WHERE withdrawn_export_id = $export2")" \
	"$(sorted "$a1" "$b2" "$e1" "$r1")" "dataset_items marks them withdrawn by this export"
is "$(sql "SELECT COUNT(*) FROM dataset_items WHERE withdrawn_export_id = $export2 AND withdrawn_at IS NULL")" 0 \
	"... with a date"
is "$(sql "SELECT items, withdrawn FROM dataset_exports WHERE id = $export2")" "2	4" "dataset_exports counts"

export_ds --out "$TMP/ds3" --since "$(date -u +%FT%TZ)"
is "$RC" 0 "another --since run"
is "$(wc -c <"$TMP/ds3/withdrawn.jsonl")" 0 "... withdrawals are listed once"
export_ds --out "$TMP/bad" --since "last tuesday"
is "$RC" 2 "a bad --since: exit 2"

# ---- a full disk ---------------------------------------------------------------------
items_before="$(sql "SELECT COUNT(*) FROM dataset_items")"
IMAGIER_DATASET_FAIL_AFTER=3 export_ds --out "$TMP/full"
is "$RC" 1 "a write failing with ENOSPC: exit 1"
like "$ERR" "$TMP/full/.*No space left on device" "... a clear message naming the path"
[[ ! -e "$TMP/full" ]] && pass "... the directory it made is gone" || fail "left: $(find "$TMP/full")"
is "$(sql "SELECT COUNT(*) FROM dataset_items")" "$items_before" "... and no dataset_items row"
is "$(sql "SELECT COUNT(*) FROM dataset_items WHERE post_id = $f1")" 0 "... (f1 would be new)"
mkdir "$TMP/full2"
IMAGIER_DATASET_FAIL_AFTER=6 export_ds --out "$TMP/full2"
is "$RC" 1 "failing later in a directory that was there"
is "$(find "$TMP/full2" -mindepth 1 | wc -l)" 0 "... it is left empty"

if [[ $(id -u) == 0 ]] && mkdir -p "$TMP/mnt" && mount -t tmpfs -o size=8k tmpfs "$TMP/mnt" 2>/dev/null; then
	export_ds --out "$TMP/mnt/ds"
	is "$RC" 1 "a real full disk (8 KiB tmpfs): exit 1"
	like "$ERR" "No space left on device" "... ENOSPC reported"
	is "$(find "$TMP/mnt" -mindepth 1 | wc -l)" 0 "... nothing left on it"
	umount "$TMP/mnt"
	is "$(sql "SELECT COUNT(*) FROM dataset_items")" "$items_before" "... nothing recorded"
else
	skip "a real full disk" "cannot mount a tmpfs here"
fi

# The same export, succeeding, now takes f1 in (a full export is not --since).
export_ds --out "$TMP/ds4"
is "$RC" 0 "a full export afterwards"
is "$(ids "$TMP/ds4/manifest.jsonl")" "$(sorted "$g1" "$c1" "$a6" "$f1")" \
	"... everything eligible now: g1, c1, a6, f1"
if command -v script >/dev/null; then
	script -qec "$IMAGIER_BIN/imagier export-dataset --out $TMP/ds5" /dev/null >"$TMP/tty" 2>&1
	like "$(tr -d '\r' <"$TMP/tty")" '\[#+\] 4/4 posts' "on a terminal, a progress bar"
fi
done_testing

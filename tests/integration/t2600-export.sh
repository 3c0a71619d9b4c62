#!/usr/bin/env bash
# t2600-export.sh - a person downloads all their data: the export is made in
# the background (imagier-gen) with progress, a second request while it runs
# is refused, the archive opens and matches the account (profile, posts with
# prompts and original images, comments, likes, follows, notifications,
# consent history), only its owner can fetch it (through nginx, never by URL),
# and an export interrupted by a restart starts again cleanly.
source "$(dirname "$0")/lib.sh"
seed=$((RANDOM * 7 + 300000))

done_export() { # done_export TOKEN ID: the job left queued/running
	req GET "/api/v1/me/export/$2" -H "Authorization: Bearer $1"
	[[ "$(json .export.state)" == done || "$(json .export.state)" == failed ]]
}

name="$(uniq_name exporter)"
new_user "$name"
me=$TOKEN
other_name="$(uniq_name other)"
new_user "$other_name"
other=$TOKEN
TOKEN=$me
upload "$(image png 80 60 $((seed + 1)))" "my <first> prompt" -F "tags=exporttag"
p1=$(json .post.id)
upload "$(image jpeg 64 64 $((seed + 2)))" "my second prompt"
p2=$(json .post.id)
TOKEN=$other
upload "$(image png 64 64 $((seed + 3)))" "someone else's post"
op=$(json .post.id)
call PUT "/api/v1/posts/$op/like" "$me"
call POST "/api/v1/posts/$op/comments" "$me" '{"text":"a comment of mine, \"quoted\""}'
call PUT "/api/v1/users/$other_name/follow" "$me"
call PUT "/api/v1/users/$name/follow" "$other"
call PATCH /api/v1/me "$me" '{"training_consent":true}'
req PUT /api/v1/me/avatar -H "Authorization: Bearer $me" -F "avatar=@$(image png 96 96 $((seed + 4)))"

# --- asking ----------------------------------------------------------------------------
req POST /api/v1/me/export
is "$STATUS" 401 "anonymous: 401"
call POST /api/v1/me/export "$me"
is "$STATUS" 202 "an export is accepted: 202"
id=$(json .export.id)
like "$(json .export.state)" "^(queued|running|done)$" "... queued"
call POST /api/v1/me/export "$me"
if [[ "$STATUS" == 409 ]]; then
	pass "a second request while one runs: 409"
	is "$(json .error.code)" export_running "... export_running"
else
	# It may have finished already on a fast machine: then a new one is
	# fine (202), the first is done, and the second may be done too by now.
	is "$STATUS/$(sql "SELECT state FROM export_jobs WHERE id = $id")" 202/done \
		"a second request after the first finished: 202"
	open=$(sql "SELECT COUNT(*) FROM export_jobs WHERE user_id = (SELECT id FROM users WHERE username = '$name') AND state IN ('queued','running')")
	ok "$((open <= 1 ? 0 : 1))" "never two exports at once ($open open)"
fi
wait_until 60 done_export "$me" "$id"
is "$(json .export.state)" done "the export is done"
is "$(json .export.progress)" 100 "... at 100%"
url=$(json .export.download_url)
like "$url" "^/api/v1/me/export/$id/download$" "... with a download link"
call GET "/api/v1/me/export/$id" "$other"
is "$STATUS" 404 "another person cannot see it"
call GET "$url" "$other"
is "$STATUS" 404 "... or download it"

# --- the archive ------------------------------------------------------------------------
out="$TMP/export"
mkdir -p "$out"
code=$(curl -s -o "$out/a.tar" -D "$out/h" -w '%{http_code}' -H "Authorization: Bearer $me" "$IMAGIER_URL$url")
is "$code" 200 "the owner downloads it"
like "$(tr -d '\r' <"$out/h" | grep -i '^content-type:')" "application/x-tar" "... as a tar"
like "$(tr -d '\r' <"$out/h" | grep -i '^content-disposition:')" "attachment; filename=\"imagier-$name-export-$id.tar\"" \
	"... to save"
ok "$(tar -xf "$out/a.tar" -C "$out"; echo $?)" "the archive opens"
is "$(jq -r .username "$out/profile.json")" "$name" "profile.json is the account"
is "$(jq -r .training_consent "$out/profile.json")" true "... with its consent choice"
is "$(jq -r '[.[].id] | sort | map(tostring) | join(",")' "$out/posts.json")" "$p1,$p2" "posts.json has exactly the two posts"
is "$(jq -r ".[] | select(.id == $p1) | .prompt" "$out/posts.json")" "my <first> prompt" "... with their prompts"
is "$(jq -r ".[] | select(.id == $p1) | .tags" "$out/posts.json")" "exporttag" "... and tags"
for p in $p1 $p2; do
	f="$out/$(jq -r ".[] | select(.id == $p) | .image.file" "$out/posts.json")"
	is "$(head -c 3 "$f" | od -An -tx1 | tr -d ' ')" "ffd8ff" "the image of post $p is in the archive (a JPEG)"
done
is "$(jq -r '.[0].text' "$out/comments.json")" 'a comment of mine, "quoted"' "comments.json"
is "$(jq -r '.[0].post_id' "$out/likes.json")" "$op" "likes.json"
is "$(jq -r '.[0].username' "$out/following.json")" "$other_name" "following.json"
is "$(jq -r '.[0].username' "$out/followers.json")" "$other_name" "followers.json"
like "$(jq -r '[.[].kind] | join(",")' "$out/notifications.json")" "follow" "notifications.json"
is "$(jq -r '[.[] | select(.post_id == null)][-1].value' "$out/consent_history.json")" yes "consent_history.json"
ok "$( [[ -s "$out/media/avatar.jpg" ]]; echo $?)" "the avatar"
ok "$( [[ -s "$out/README.txt" ]]; echo $?)" "a README explains the files"
file=$(sql "SELECT file FROM export_jobs WHERE id = $id")
is "$(http_code "/_exports/$file")" 404 "the archive cannot be fetched by its URL"

# --- pages ------------------------------------------------------------------------------
jar="$TMP/expjar"
login_jar "$name" "$jar"
req GET /settings/export -b "$jar"
is "$STATUS" 200 "the export page"
like "$BODY" "/settings/export/$id/download" "... links the finished archive"
req POST /settings/export -b "$jar" --data-urlencode "csrf=$JAR_CSRF"
is "$STATUS" 303 "the form asks for another"
page=$(header location)
like "$page" "^/settings/export/[0-9]+$" "... and goes to its page"
id2=${page##*/}
req GET "$page" -b "$jar"
like "$BODY" 'data-export=' "its page shows the job"
wait_until 60 done_export "$me" "$id2"
is "$(json .export.state)" done "the second export is done too"

# --- interrupted by a restart -------------------------------------------------------------
# A job the generator was making when it died: on restart it starts again.
uid=$(sql "SELECT id FROM users WHERE username = '$name'")
id3=$(sql "INSERT INTO export_jobs (user_id, state, worker, lease_until, file, attempts, created_at)
     VALUES ($uid, 'running', '$IMAGIER_GEN_WORKER_ID', UNIX_TIMESTAMP() + 3600, 'imagier-export-0-00.tar', 1,
     UNIX_TIMESTAMP()); SELECT LAST_INSERT_ID()")
touch "$EXPORTS/imagier-export-0-00.tar.part"
"$IMAGIER_ROOT/tools/stack.sh" restart-gen >/dev/null 2>&1
wait_until 60 done_export "$me" "$id3"
is "$(json .export.state)" done "an export interrupted by a restart is made again"
ok "$( [[ ! -e "$EXPORTS/imagier-export-0-00.tar.part" ]]; echo $?)" "... and its partial file is gone"
done_testing

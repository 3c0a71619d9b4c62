/* masto.c - the Mastodon client API's view of imagier's model: Account,
 * Status and MediaAttachment objects, the ids of a timeline's page, a
 * Relationship, notifications, search, and the staged pictures of POST
 * /api/v1/media (cgi/masto*.c are the handlers). */
#include "masto.h"
#include "buf.h"
#include "db.h"
#include "http.h"
#include "image.h"
#include "post.h"
#include "render.h"
#include "social.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *masto_abs(const struct masto_view *v, const char *path)
{
	if (!path || strstr(path, "://"))
		return path;
	const char *b = v->base_url;
	size_t n = strlen(b);
	while (n && b[n - 1] == '/')
		n--;
	return arena_printf(v->a, "%.*s%s%s", (int)n, b, *path == '/' ? "" : "/", path);
}

const char *masto_time(struct arena *a, int64_t t)
{
	const char *iso = time_iso(a, t); /* "...:00Z" */
	return arena_printf(a, "%.*s.000Z", (int)strlen(iso) - 1, iso);
}

/* ---- accounts -------------------------------------------------------- */

static cJSON *account_row(const struct masto_view *v, const struct db_res *r, size_t i)
{
	cJSON *u = cJSON_CreateObject();
	const char *name = db_str(r, i, 1);
	const char *url = masto_abs(v, arena_printf(v->a, "/u/%s", url_encode(v->a, name)));
	cJSON_AddStringToObject(u, "id", db_str(r, i, 0));
	/* a remote person's name is name@host: username the name, acct all */
	cJSON_AddStringToObject(u, "username", arena_strndup(v->a, name, strcspn(name, "@")));
	cJSON_AddStringToObject(u, "acct", name);
	cJSON_AddStringToObject(u, "display_name", name);
	cJSON_AddFalseToObject(u, "locked");
	cJSON_AddFalseToObject(u, "bot");
	cJSON_AddFalseToObject(u, "group");
	cJSON_AddFalseToObject(u, "discoverable");
	cJSON_AddStringToObject(u, "created_at", masto_time(v->a, db_int(r, i, 6)));
	struct buf note = {0};
	buf_puts(&note, "<p>");
	html_escape(&note, db_str(r, i, 2), strlen(db_str(r, i, 2)));
	buf_puts(&note, "</p>");
	cJSON_AddStringToObject(u, "note", buf_cstr(&note));
	buf_free(&note);
	cJSON_AddStringToObject(u, "url", url);
	const char *avatar = masto_abs(v, "/static/avatar.png");
	if (db_str(r, i, 7)) {
		cJSON *img = post_thumb_json(v->a, v->media_url, db_int(r, i, 7), db_int(r, i, 8),
					     db_str(r, i, 9), db_str(r, i, 10), db_str(r, i, 11));
		const char *j = img ? cJSON_GetStringValue(cJSON_GetObjectItem(img, "jpeg")) : NULL;
		if (j)
			avatar = masto_abs(v, j);
		cJSON_Delete(img);
	}
	cJSON_AddStringToObject(u, "avatar", avatar);
	cJSON_AddStringToObject(u, "avatar_static", avatar);
	cJSON_AddStringToObject(u, "header", "");
	cJSON_AddStringToObject(u, "header_static", "");
	cJSON_AddNumberToObject(u, "followers_count", (double)db_int(r, i, 4));
	cJSON_AddNumberToObject(u, "following_count", (double)db_int(r, i, 5));
	cJSON_AddNumberToObject(u, "statuses_count", (double)db_int(r, i, 3));
	cJSON_AddNullToObject(u, "last_status_at");
	cJSON_AddArrayToObject(u, "emojis");
	cJSON_AddArrayToObject(u, "fields");
	return u;
}

cJSON *masto_accounts(const struct masto_view *v, const int64_t *ids, size_t n)
{
	struct db_res r;
	cJSON *list = cJSON_CreateArray();
	if (!n)
		return list;
	if (db_read(v->db, v->a, &r,
		    "SELECT u.id, u.username, u.bio, u.post_count, u.follower_count, "
		    "u.following_count, u.created_at, i.width, i.height, i.blurhash, i.avg_color, "
		    "i.variants FROM JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$')) j JOIN "
		    "users u ON u.id = j.id LEFT JOIN images i ON i.id = u.avatar_image_id WHERE "
		    "u.banned_at IS NULL",
		    "s", db_id_list(v->a, ids, n, sizeof(ids[0]))) != DB_OK) {
		cJSON_Delete(list);
		return NULL;
	}
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < r.nrows; i++)
			if (db_int(&r, i, 0) == ids[k]) {
				cJSON_AddItemToArray(list, account_row(v, &r, i));
				break;
			}
	return list;
}

/* ---- statuses -------------------------------------------------------- */

/* One size of a post's image as Mastodon's meta {width,height,size,aspect}. */
static cJSON *meta_size(const cJSON *s)
{
	double w = cJSON_GetNumberValue(cJSON_GetObjectItem(s, "width"));
	double h = cJSON_GetNumberValue(cJSON_GetObjectItem(s, "height"));
	cJSON *m = cJSON_CreateObject();
	cJSON_AddNumberToObject(m, "width", w);
	cJSON_AddNumberToObject(m, "height", h);
	char size[48];
	snprintf(size, sizeof(size), "%.0fx%.0f", w, h);
	cJSON_AddStringToObject(m, "size", size);
	cJSON_AddNumberToObject(m, "aspect", h > 0 ? w / h : 1);
	return m;
}

/* The AI label a picture carries when its poster gave no description. */
static const char *ai_label(const struct masto_view *v, const char *prompt)
{
	if (!prompt || !*prompt)
		return "AI-generated image.";
	return arena_printf(v->a, "AI-generated image. Prompt: %s", prompt);
}

cJSON *masto_attachment(const struct masto_view *v, cJSON *p, const char *alt)
{
	cJSON *img = cJSON_GetObjectItem(p, "image");
	cJSON *disp = cJSON_GetObjectItem(img, "display");
	cJSON *card = cJSON_GetObjectItem(img, "card");
	const char *url = cJSON_GetStringValue(cJSON_GetObjectItem(disp, "jpeg"));
	const char *prev = card ? cJSON_GetStringValue(cJSON_GetObjectItem(card, "jpeg")) : NULL;
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(
	    m, "id",
	    arena_printf(v->a, "%.0f", cJSON_GetNumberValue(cJSON_GetObjectItem(p, "id"))));
	cJSON_AddStringToObject(m, "type", "image");
	cJSON_AddStringToObject(m, "url", masto_abs(v, url ? url : ""));
	cJSON_AddStringToObject(m, "preview_url", masto_abs(v, prev ? prev : url ? url : ""));
	cJSON_AddNullToObject(m, "remote_url");
	cJSON_AddNullToObject(m, "text_url");
	cJSON *meta = cJSON_AddObjectToObject(m, "meta");
	cJSON_AddItemToObject(meta, "original", meta_size(img));
	cJSON_AddItemToObject(meta, "small", meta_size(card ? card : disp ? disp : img));
	const char *prompt = cJSON_GetStringValue(cJSON_GetObjectItem(p, "prompt"));
	cJSON_AddStringToObject(m, "description", alt && *alt ? alt : ai_label(v, prompt));
	cJSON_AddStringToObject(m, "blurhash",
				cJSON_GetStringValue(cJSON_GetObjectItem(img, "blurhash")));
	return m;
}

/* content: the caption and a provenance line, as HTML. */
static const char *content_html(const struct masto_view *v, cJSON *p)
{
	const char *cap = cJSON_GetStringValue(cJSON_GetObjectItem(p, "caption"));
	const char *prompt = cJSON_GetStringValue(cJSON_GetObjectItem(p, "prompt"));
	struct buf b = {0};
	if (cap && *cap) {
		buf_puts(&b, "<p>");
		html_escape(&b, cap, strlen(cap));
		buf_puts(&b, "</p>");
	}
	buf_puts(&b, "<p>AI-generated image. Prompt: ");
	html_escape(&b, prompt ? prompt : "", prompt ? strlen(prompt) : 0);
	buf_puts(&b, "</p>");
	const char *s = arena_strdup(v->a, buf_cstr(&b));
	buf_free(&b);
	return s;
}

static cJSON *status_json(const struct masto_view *v, cJSON *p, cJSON *account, int liked,
			  const char *alt)
{
	int64_t id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(p, "id"));
	const char *cw = cJSON_GetStringValue(cJSON_GetObjectItem(p, "content_warning"));
	const char *url = masto_abs(v, arena_printf(v->a, "/p/%lld", (long long)id));
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "id", arena_printf(v->a, "%lld", (long long)id));
	const char *iso = cJSON_GetStringValue(cJSON_GetObjectItem(p, "created_at"));
	cJSON_AddStringToObject(s, "created_at",
				arena_printf(v->a, "%.*s.000Z", (int)strlen(iso) - 1, iso));
	cJSON_AddNullToObject(s, "in_reply_to_id");
	cJSON_AddNullToObject(s, "in_reply_to_account_id");
	cJSON_AddBoolToObject(s, "sensitive", cw && *cw);
	cJSON_AddStringToObject(s, "spoiler_text", cw ? cw : "");
	cJSON_AddStringToObject(s, "visibility", "public");
	cJSON_AddNullToObject(s, "language");
	cJSON_AddStringToObject(s, "uri", url);
	cJSON_AddStringToObject(s, "url", url);
	cJSON_AddNumberToObject(s, "replies_count",
				cJSON_GetNumberValue(cJSON_GetObjectItem(p, "comment_count")));
	cJSON_AddNumberToObject(s, "reblogs_count", 0);
	cJSON_AddNumberToObject(s, "favourites_count",
				cJSON_GetNumberValue(cJSON_GetObjectItem(p, "like_count")));
	cJSON_AddNullToObject(s, "edited_at");
	cJSON_AddBoolToObject(s, "favourited", liked);
	cJSON_AddFalseToObject(s, "reblogged");
	cJSON_AddFalseToObject(s, "muted");
	cJSON_AddFalseToObject(s, "bookmarked");
	cJSON_AddFalseToObject(s, "pinned");
	cJSON_AddStringToObject(s, "content", content_html(v, p));
	cJSON_AddNullToObject(s, "reblog");
	cJSON_AddNullToObject(s, "application");
	cJSON_AddItemToObject(s, "account", account ? account : cJSON_CreateNull());
	cJSON *media = cJSON_AddArrayToObject(s, "media_attachments");
	cJSON_AddItemToArray(media, masto_attachment(v, p, alt));
	cJSON_AddArrayToObject(s, "mentions");
	cJSON *tags = cJSON_AddArrayToObject(s, "tags"), *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(p, "tags"))
	{
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", t->valuestring);
		cJSON_AddStringToObject(
		    o, "url",
		    masto_abs(v, arena_printf(v->a, "/t/%s", url_encode(v->a, t->valuestring))));
		cJSON_AddItemToArray(tags, o);
	}
	cJSON_AddArrayToObject(s, "emojis");
	cJSON_AddNullToObject(s, "card");
	cJSON_AddNullToObject(s, "poll");
	/* imagier's own: the prompt, and the post this one remixes */
	cJSON *ext = cJSON_AddObjectToObject(s, "imagier");
	cJSON_AddStringToObject(ext, "prompt",
				cJSON_GetStringValue(cJSON_GetObjectItem(p, "prompt")));
	cJSON_AddTrueToObject(ext, "ai_generated");
	cJSON *parent = cJSON_GetObjectItem(p, "parent_id");
	if (cJSON_IsNumber(parent))
		cJSON_AddStringToObject(ext, "remix_of",
					arena_printf(v->a, "%.0f", parent->valuedouble));
	else
		cJSON_AddNullToObject(ext, "remix_of");
	return s;
}

cJSON *masto_statuses(const struct masto_view *v, const int64_t *ids, size_t n)
{
	cJSON *list = cJSON_CreateArray();
	if (!n)
		return list;
	cJSON **posts = arena_zalloc(v->a, n * sizeof(*posts));
	int64_t *authors = arena_zalloc(v->a, n * sizeof(*authors));
	int *liked = arena_zalloc(v->a, n * sizeof(*liked));
	struct db_res alts;
	if (post_load_many(v->db, v->a, v->media_url, ids, n, posts) ||
	    (v->viewer && social_liked_map(v->db, v->a, v->viewer, ids, n, liked)) ||
	    db_read(v->db, v->a, &alts,
		    "SELECT m.post_id, m.description, a.name, a.website FROM JSON_TABLE(?, '$[*]' "
		    "COLUMNS (id BIGINT PATH '$')) j JOIN oauth_media m ON m.post_id = j.id LEFT "
		    "JOIN oauth_apps a ON a.id = m.app_id",
		    "s", db_id_list(v->a, ids, n, sizeof(ids[0]))) != DB_OK) {
		for (size_t i = 0; i < n; i++)
			cJSON_Delete(posts[i]);
		cJSON_Delete(list);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (posts[i])
			authors[i] = (int64_t)cJSON_GetNumberValue(
			    cJSON_GetObjectItem(cJSON_GetObjectItem(posts[i], "author"), "id"));
	cJSON *accounts = masto_accounts(v, authors, n);
	for (size_t i = 0; i < n; i++) {
		if (!posts[i])
			continue;
		cJSON *acct = NULL, *a;
		cJSON_ArrayForEach(
		    a, accounts) if (strtoll(cJSON_GetStringValue(cJSON_GetObjectItem(a, "id")),
					     NULL, 10) == authors[i]) acct = cJSON_Duplicate(a, 1);
		const char *alt = NULL, *app = NULL, *site = NULL;
		for (size_t k = 0; k < alts.nrows; k++)
			if (db_int(&alts, k, 0) == ids[i]) {
				alt = db_str(&alts, k, 1);
				app = db_str(&alts, k, 2);
				site = db_str(&alts, k, 3);
			}
		cJSON *st = status_json(v, posts[i], acct, liked[i], alt);
		if (app) { /* posted through an app: Mastodon names it */
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", app);
			if (site && *site)
				cJSON_AddStringToObject(o, "website", site);
			else
				cJSON_AddNullToObject(o, "website");
			cJSON_ReplaceItemInObjectCaseSensitive(st, "application", o);
		}
		cJSON_AddItemToArray(list, st);
		cJSON_Delete(posts[i]);
	}
	cJSON_Delete(accounts);
	return list;
}

/* ---- timelines --------------------------------------------------------- */

/* Visible posts of people not banned, none by people the viewer muted or
 * blocked (or who blocked them), in the window of the page. */
#define VISIBLE_WINDOW                                                                             \
	"p.mod_state = 'visible' AND u.banned_at IS NULL AND p.user_id NOT IN (SELECT id FROM "    \
	"JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$')) m) AND (? = 0 OR p.id < ?) AND p.id "  \
	"> "                                                                                       \
	"? "
#define PAGE_WHERE " FROM posts p JOIN users u ON u.id = p.user_id WHERE " VISIBLE_WINDOW

int masto_status_page(const struct masto_view *v, const char *kind, int64_t arg, const char *sarg,
		      const struct masto_window *pg, int64_t **ids, size_t *n)
{
	int64_t *muted = NULL;
	size_t nm = 0;
	if (v->viewer && social_muted(v->db, v->a, v->viewer, &muted, &nm))
		return -1;
	const char *ml = db_id_list(v->a, muted, nm, sizeof(int64_t));
	/* min_id: the page just above it (oldest first, turned around);
	 * otherwise the newest below max_id, above since_id. */
	int asc = pg->min_id > 0;
	int64_t lo = asc ? pg->min_id : pg->since_id;
	const char *order = asc ? "ORDER BY p.id ASC LIMIT ?" : "ORDER BY p.id DESC LIMIT ?";
	struct db_res r;
	int rc;
	/* Each source read through its own index (a person's posts by
	 * (user_id, id), a tag's by its (tag_id, post_id) key), never by
	 * walking all posts back from the newest. */
	if (!strcmp(kind, "home"))
		rc = db_read(
		    v->db, v->a, &r,
		    arena_printf(
			v->a,
			"SELECT q.id FROM ((SELECT p.id FROM posts p JOIN users u ON u.id = "
			"p.user_id WHERE p.user_id = ? AND " VISIBLE_WINDOW
			"%s) UNION (SELECT p.id "
			"FROM follows f JOIN posts p ON p.user_id = f.followee_id JOIN users u ON "
			"u.id = p.user_id WHERE f.follower_id = ? AND " VISIBLE_WINDOW
			"%s) UNION (SELECT p.id FROM tag_follows tf JOIN post_tags pt ON pt.tag_id "
			"= tf.tag_id JOIN posts p ON p.id = pt.post_id JOIN users u ON u.id = "
			"p.user_id WHERE tf.user_id = ? AND " VISIBLE_WINDOW "%s)) q ORDER BY q.id "
			"%s LIMIT ?",
			order, order, order, asc ? "ASC" : "DESC"),
		    "isiiiiisiiiiisiiiii", arg, ml, pg->max_id, pg->max_id, lo, (int64_t)pg->limit,
		    arg, ml, pg->max_id, pg->max_id, lo, (int64_t)pg->limit, arg, ml, pg->max_id,
		    pg->max_id, lo, (int64_t)pg->limit, (int64_t)pg->limit);
	else if (!strcmp(kind, "tag"))
		rc = db_read(
		    v->db, v->a, &r,
		    arena_printf(v->a,
				 "SELECT p.id FROM tags t JOIN post_tags pt ON pt.tag_id = "
				 "t.id JOIN posts p ON p.id = pt.post_id JOIN users u ON u.id "
				 "= p.user_id WHERE t.name = ? AND " VISIBLE_WINDOW "%s",
				 order),
		    "ssiiii", sarg, ml, pg->max_id, pg->max_id, lo, (int64_t)pg->limit);
	else if (!strcmp(kind, "account"))
		rc = db_read(
		    v->db, v->a, &r,
		    arena_printf(v->a, "SELECT p.id" PAGE_WHERE "AND p.user_id = ? %s", order),
		    "siiiii", ml, pg->max_id, pg->max_id, lo, arg, (int64_t)pg->limit);
	else
		rc = db_read(
		    v->db, v->a, &r,
		    arena_printf(v->a, "SELECT p.id" PAGE_WHERE "AND p.remote = 0 %s", order),
		    "siiii", ml, pg->max_id, pg->max_id, lo, (int64_t)pg->limit);
	if (rc != DB_OK)
		return -1;
	*n = r.nrows;
	*ids = arena_zalloc(v->a, (r.nrows + 1) * sizeof(int64_t));
	for (size_t i = 0; i < r.nrows; i++)
		(*ids)[asc ? r.nrows - 1 - i : i] = db_int(&r, i, 0);
	return 0;
}

cJSON *masto_relationship(const struct masto_view *v, int64_t id)
{
	struct db_res r;
	int64_t me = v->viewer;
	if (db_read(v->db, v->a, &r,
		    "SELECT EXISTS (SELECT 1 FROM follows WHERE follower_id = ? AND followee_id = "
		    "?), EXISTS (SELECT 1 FROM follows WHERE follower_id = ? AND followee_id = ?), "
		    "EXISTS (SELECT 1 FROM blocks WHERE user_id = ? AND target_id = ?), EXISTS "
		    "(SELECT 1 FROM blocks WHERE user_id = ? AND target_id = ?), EXISTS (SELECT 1 "
		    "FROM mutes WHERE user_id = ? AND target_id = ?), EXISTS (SELECT 1 FROM "
		    "ap_follows_out o JOIN ap_actors x ON x.id = o.actor_id WHERE o.user_id = ? "
		    "AND x.user_id = ? AND o.state = 'pending')",
		    "iiiiiiiiiiii", me, id, id, me, me, id, id, me, me, id, me, id) != DB_OK)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", arena_printf(v->a, "%lld", (long long)id));
	cJSON_AddBoolToObject(o, "following", db_int(&r, 0, 0));
	cJSON_AddFalseToObject(o, "showing_reblogs");
	cJSON_AddFalseToObject(o, "notifying");
	cJSON_AddBoolToObject(o, "followed_by", db_int(&r, 0, 1));
	cJSON_AddBoolToObject(o, "blocking", db_int(&r, 0, 2));
	cJSON_AddBoolToObject(o, "blocked_by", db_int(&r, 0, 3));
	cJSON_AddBoolToObject(o, "muting", db_int(&r, 0, 4));
	cJSON_AddBoolToObject(o, "muting_notifications", db_int(&r, 0, 4));
	cJSON_AddBoolToObject(o, "requested", db_int(&r, 0, 5));
	cJSON_AddFalseToObject(o, "domain_blocking");
	cJSON_AddFalseToObject(o, "endorsed");
	cJSON_AddStringToObject(o, "note", "");
	return o;
}

/* imagier's notice kinds as Mastodon's. */
static const char *notice_type(const char *kind)
{
	if (!strcmp(kind, "like"))
		return "favourite";
	if (!strcmp(kind, "follow"))
		return "follow";
	if (!strcmp(kind, "remix"))
		return "status";
	return "mention";
}

/* The item of list whose "id" is id, or NULL. */
static cJSON *by_id(cJSON *list, const char *id)
{
	cJSON *e;
	cJSON_ArrayForEach(e, list)
	{
		const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(e, "id"));
		if (s && id && !strcmp(s, id))
			return e;
	}
	return NULL;
}

#define NOTICE_SQL                                                                                 \
	"SELECT id, kind, actor_id, IFNULL(post_id, 0), created_at FROM notifications WHERE "      \
	"user_id = ? AND FIND_IN_SET(kind, ?) AND (? = 0 OR id < ?) AND id > ? "

/* imagier's kinds of a Mastodon notification type ("" for none). */
static const char *type_kinds(const char *type)
{
	static const char *const map[][2] = {{"favourite", "like"},
					     {"follow", "follow"},
					     {"mention", "comment,reply"},
					     {"status", "remix"}};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(type, map[i][0]))
			return map[i][1];
	return "";
}

const char *masto_notice_kinds(struct arena *a, const char *const *types, size_t ntypes,
			       const char *const *exclude, size_t nexclude)
{
	static const char *const all[] = {"favourite", "follow", "mention", "status"};
	char *k = arena_strdup(a, "");
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		int in = ntypes == 0, out = 0;
		for (size_t j = 0; j < ntypes; j++)
			in |= !strcmp(types[j], all[i]);
		for (size_t j = 0; j < nexclude; j++)
			out |= !strcmp(exclude[j], all[i]);
		if (in && !out)
			k = arena_printf(a, "%s%s%s", k, *k ? "," : "", type_kinds(all[i]));
	}
	return k;
}

cJSON *masto_notifications_list(const struct masto_view *v, const struct masto_window *pg,
				const char *kinds, int64_t *newest, int64_t *oldest)
{
	struct db_res r;
	int asc = pg->min_id > 0;
	*newest = *oldest = 0;
	if (db_read(v->db, v->a, &r,
		    asc ? NOTICE_SQL "ORDER BY id ASC LIMIT ?"
			: NOTICE_SQL "ORDER BY id DESC LIMIT ?",
		    "isiiii", v->viewer, kinds, pg->max_id, pg->max_id,
		    asc ? pg->min_id : pg->since_id, (int64_t)pg->limit) != DB_OK)
		return NULL;
	size_t n = r.nrows, np = 0;
	int64_t *actors = arena_zalloc(v->a, (n + 1) * sizeof(int64_t));
	int64_t *posts = arena_zalloc(v->a, (n + 1) * sizeof(int64_t));
	for (size_t i = 0; i < n; i++) {
		actors[i] = db_int(&r, i, 2);
		if (db_int(&r, i, 3))
			posts[np++] = db_int(&r, i, 3);
	}
	cJSON *accts = masto_accounts(v, actors, n), *stats = masto_statuses(v, posts, np);
	if (!accts || !stats) {
		cJSON_Delete(accts);
		cJSON_Delete(stats);
		return NULL;
	}
	cJSON *list = cJSON_CreateArray();
	for (size_t k = 0; k < n; k++) {
		size_t i = asc ? n - 1 - k : k;
		cJSON *acct = by_id(accts, db_str(&r, i, 2)), *s = by_id(stats, db_str(&r, i, 3));
		if (!acct) /* the actor left or was banned */
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", db_str(&r, i, 0));
		cJSON_AddStringToObject(o, "type", notice_type(db_str(&r, i, 1)));
		cJSON_AddStringToObject(o, "created_at", masto_time(v->a, db_int(&r, i, 4)));
		cJSON_AddItemToObject(o, "account", cJSON_Duplicate(acct, 1));
		cJSON_AddItemToObject(o, "status", s ? cJSON_Duplicate(s, 1) : cJSON_CreateNull());
		cJSON_AddItemToArray(list, o);
	}
	cJSON_Delete(accts);
	cJSON_Delete(stats);
	if (n) {
		*newest = db_int(&r, asc ? n - 1 : 0, 0);
		*oldest = db_int(&r, asc ? 0 : n - 1, 0);
	}
	return list;
}

/* LIKE pattern: s with '%', '_' and '\' taken literally, then suffix. */
static const char *like_escape(struct arena *a, const char *s, const char *suffix)
{
	char *p = arena_alloc(a, 2 * strlen(s) + strlen(suffix) + 1), *o = p;
	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			*o++ = '\\';
		*o++ = *s;
	}
	strcpy(o, suffix);
	return p;
}

cJSON *masto_search_results(const struct masto_view *v, const char *q, const char *type, int limit)
{
	const char *pat = like_escape(v->a, q, "%");
	int all = !type || !*type;
	struct db_res ur = {0}, tr = {0}, pr = {0};
	if (((all || !strcmp(type, "accounts")) &&
	     db_read(v->db, v->a, &ur,
		     "SELECT id FROM users WHERE username LIKE ? AND banned_at IS NULL ORDER BY "
		     "username = ? DESC, follower_count DESC, id LIMIT ?",
		     "ssi", pat, q, (int64_t)limit) != DB_OK) ||
	    ((all || !strcmp(type, "hashtags")) &&
	     db_read(v->db, v->a, &tr,
		     "SELECT name FROM tags WHERE name LIKE ? AND post_count > 0 ORDER BY name = "
		     "? DESC, post_count DESC LIMIT ?",
		     "ssi", pat, q, (int64_t)limit) != DB_OK) ||
	    ((all || !strcmp(type, "statuses")) &&
	     db_read(v->db, v->a, &pr,
		     "SELECT p.id FROM posts p JOIN users u ON u.id = p.user_id WHERE "
		     "p.mod_state = 'visible' AND p.remote = 0 AND u.banned_at IS NULL AND "
		     "(p.caption LIKE "
		     "CONCAT('%', ?) OR p.prompt LIKE CONCAT('%', ?)) ORDER BY p.id DESC LIMIT ?",
		     "ssi", pat, pat, (int64_t)limit) != DB_OK))
		return NULL;
	int64_t *uids = arena_zalloc(v->a, (ur.nrows + 1) * sizeof(int64_t));
	int64_t *pids = arena_zalloc(v->a, (pr.nrows + 1) * sizeof(int64_t));
	for (size_t i = 0; i < ur.nrows; i++)
		uids[i] = db_int(&ur, i, 0);
	for (size_t i = 0; i < pr.nrows; i++)
		pids[i] = db_int(&pr, i, 0);
	cJSON *accts = masto_accounts(v, uids, ur.nrows),
	      *stats = masto_statuses(v, pids, pr.nrows);
	if (!accts || !stats) {
		cJSON_Delete(accts);
		cJSON_Delete(stats);
		return NULL;
	}
	cJSON *d = cJSON_CreateObject(), *tags = cJSON_CreateArray();
	for (size_t i = 0; i < tr.nrows; i++) {
		cJSON *t = cJSON_CreateObject();
		const char *name = db_str(&tr, i, 0);
		cJSON_AddStringToObject(t, "name", name);
		cJSON_AddStringToObject(
		    t, "url", masto_abs(v, arena_printf(v->a, "/t/%s", url_encode(v->a, name))));
		cJSON_AddArrayToObject(t, "history");
		cJSON_AddItemToArray(tags, t);
	}
	cJSON_AddItemToObject(d, "accounts", accts);
	cJSON_AddItemToObject(d, "statuses", stats);
	cJSON_AddItemToObject(d, "hashtags", tags);
	return d;
}

int64_t masto_media_stage(struct db *db, struct arena *a, int64_t user_id, int64_t app_id,
			  const struct image_stored *img, const char *description)
{
	struct db_res r;
	int64_t image_id = -1;
	if (db_begin(db) != DB_OK)
		return -1;
	int ok = (image_id = image_insert(db, a, img)) > 0 &&
		 db_exec(db, a, &r,
			 "INSERT INTO oauth_media (user_id, image_id, description, app_id, "
			 "created_at) VALUES (?, ?, ?, NULLIF(?, 0), ?)",
			 "iisii", user_id, image_id, description, app_id, now_unix()) == DB_OK;
	if (db_finish(db, ok) != DB_OK || !ok)
		return -1;
	return (int64_t)r.insert_id;
}

/* A staged picture's MediaAttachment from its image. */
static cJSON *media_json(const struct masto_view *v, int64_t id, cJSON *image,
			 const char *description)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddNumberToObject(p, "id", (double)id);
	cJSON_AddItemToObject(p, "image", image);
	cJSON_AddStringToObject(p, "prompt", "");
	cJSON *m = masto_attachment(v, p, description);
	cJSON_Delete(p);
	return m;
}

cJSON *masto_media_load(const struct masto_view *v, int64_t id, int *found)
{
	struct db_res r;
	*found = 0;
	if (db_read(v->db, v->a, &r,
		    "SELECT i.width, i.height, i.blurhash, i.avg_color, i.variants, m.description "
		    "FROM oauth_media m JOIN images i ON i.id = m.image_id WHERE m.id = ? AND "
		    "m.user_id = ?",
		    "ii", id, v->viewer) != DB_OK) {
		*found = -1;
		return NULL;
	}
	if (!r.nrows)
		return NULL;
	*found = 1;
	cJSON *image = post_image_json(v->a, v->media_url, db_int(&r, 0, 0), db_int(&r, 0, 1),
				       db_str(&r, 0, 2), db_str(&r, 0, 3), db_str(&r, 0, 4));
	return media_json(v, id, image, db_str(&r, 0, 5));
}

int masto_media_waiting(struct db *db, struct arena *a, int64_t user_id, int64_t id,
			const char **description)
{
	struct db_res r;
	if (db_exec(db, a, &r,
		    "SELECT description FROM oauth_media WHERE id = ? AND user_id = ? AND post_id "
		    "IS NULL",
		    "ii", id, user_id) != DB_OK)
		return -1;
	if (!r.nrows)
		return 0;
	*description = db_str(&r, 0, 0);
	return 1;
}

int masto_family(struct db *db, struct arena *a, int64_t post_id, int64_t *parent, int64_t **kids,
		 size_t *n)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT IFNULL(parent_id, 0) FROM posts WHERE id = ? UNION ALL (SELECT id FROM "
		    "posts WHERE parent_id = ? AND mod_state = 'visible' ORDER BY id LIMIT ?)",
		    "iii", post_id, post_id, (int64_t)MASTO_FAMILY) != DB_OK)
		return -1;
	*parent = r.nrows ? db_int(&r, 0, 0) : 0;
	*n = r.nrows ? r.nrows - 1 : 0;
	*kids = arena_zalloc(a, (*n + 1) * sizeof(int64_t));
	for (size_t i = 0; i < *n; i++)
		(*kids)[i] = db_int(&r, i + 1, 0);
	return 0;
}

int masto_counts(struct db *db, struct arena *a, int64_t *users, int64_t *posts)
{
	struct db_res r;
	*users = *posts = 0;
	if (db_read(db, a, &r,
		    "SELECT (SELECT COUNT(*) FROM users WHERE domain = '' AND banned_at IS NULL), "
		    "(SELECT COUNT(*) FROM posts WHERE mod_state = 'visible' AND remote = 0)",
		    "") != DB_OK ||
	    !r.nrows)
		return -1;
	*users = db_int(&r, 0, 0);
	*posts = db_int(&r, 0, 1);
	return 0;
}

int masto_username(struct db *db, struct arena *a, int64_t id, const char **name)
{
	struct db_res r;
	if (db_read(db, a, &r, "SELECT username FROM users WHERE id = ? AND banned_at IS NULL", "i",
		    id) != DB_OK)
		return -1;
	if (!r.nrows)
		return 0;
	*name = db_str(&r, 0, 0);
	return 1;
}

int masto_follow_page(struct db *db, struct arena *a, int64_t user_id, int followers,
		      const struct masto_window *pg, int64_t **ids, size_t *n)
{
	struct db_res r;
	int rc = followers
		     ? db_read(db, a, &r,
			       "SELECT f.follower_id FROM follows f JOIN users u ON u.id = "
			       "f.follower_id WHERE f.followee_id = ? AND u.banned_at IS NULL AND "
			       "(? = 0 OR f.follower_id < ?) AND f.follower_id > ? ORDER BY "
			       "f.follower_id DESC LIMIT ?",
			       "iiiii", user_id, pg->max_id, pg->max_id, pg->since_id,
			       (int64_t)pg->limit)
		     : db_read(db, a, &r,
			       "SELECT f.followee_id FROM follows f JOIN users u ON u.id = "
			       "f.followee_id WHERE f.follower_id = ? AND u.banned_at IS NULL AND "
			       "(? = 0 OR f.followee_id < ?) AND f.followee_id > ? ORDER BY "
			       "f.followee_id DESC LIMIT ?",
			       "iiiii", user_id, pg->max_id, pg->max_id, pg->since_id,
			       (int64_t)pg->limit);
	if (rc != DB_OK)
		return -1;
	*n = r.nrows;
	*ids = arena_zalloc(a, (r.nrows + 1) * sizeof(int64_t));
	for (size_t i = 0; i < r.nrows; i++)
		(*ids)[i] = db_int(&r, i, 0);
	return 0;
}

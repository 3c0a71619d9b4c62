/* masto.c - the Mastodon client API's statuses: the Status and Account
 * shapes, Mastodon's paging, the timelines (home, public, tag, an
 * account's), a status shown, posted (with media staged by POST
 * /api/v1/media) and deleted. Accounts, follows, notifications, search:
 * masto_acct.c. OAuth: oauth.c. */
#include "app.h"
#include "db.h"
#include "masto.h"
#include "post.h"
#include "render.h"
#include "social.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *masto_url(struct ctx *c, const char *path)
{
	if (!path || strstr(path, "://"))
		return path;
	const char *b = c->app->cfg.site_base_url;
	size_t n = strlen(b);
	while (n && b[n - 1] == '/')
		n--;
	return arena_printf(c->a, "%.*s%s%s", (int)n, b, *path == '/' ? "" : "/", path);
}

const char *masto_time(struct ctx *c, int64_t t)
{
	const char *iso = time_iso(c->a, t); /* "...:00Z" */
	return arena_printf(c->a, "%.*s.000Z", (int)strlen(iso) - 1, iso);
}

/* An id parameter: 0 absent, else the number; -1 when it is not one. */
static int64_t id_param(struct ctx *c, const char *name)
{
	const char *v = kv_get(&c->req->query, name);
	uint64_t n = 0;
	if (!v || !*v)
		return 0;
	if (str_to_u64(v, INT64_MAX, &n))
		return -1;
	return (int64_t)n;
}

int masto_page_parse(struct ctx *c, struct masto_page *pg)
{
	const char *l = kv_get(&c->req->query, "limit");
	uint64_t n = MASTO_PAGE;
	if (l && *l && str_to_u64(l, 1000000, &n))
		return ctx_fail(c, 400, "bad_request", "limit must be a number.");
	pg->limit = n < 1 ? 1 : n > MASTO_PAGE_MAX ? MASTO_PAGE_MAX : (int)n;
	pg->max_id = id_param(c, "max_id");
	pg->since_id = id_param(c, "since_id");
	pg->min_id = id_param(c, "min_id");
	if (pg->max_id < 0 || pg->since_id < 0 || pg->min_id < 0)
		return ctx_fail(c, 400, "bad_request", "max_id, since_id and min_id are ids.");
	return 0;
}

/* The request's URL with its query, paging parameters replaced by key=id. */
static const char *page_url(struct ctx *c, const char *key, int64_t id)
{
	char *q = arena_strdup(c->a, "");
	const struct kvlist *l = &c->req->query;
	for (size_t i = 0; i < l->n; i++) {
		const char *k = l->items[i].key;
		if (!strcmp(k, "max_id") || !strcmp(k, "since_id") || !strcmp(k, "min_id"))
			continue;
		q = arena_printf(c->a, "%s%s=%s&", q, url_encode(c->a, k),
				 url_encode(c->a, l->items[i].val));
	}
	return masto_url(c,
			 arena_printf(c->a, "%s?%s%s=%lld", c->req->path, q, key, (long long)id));
}

void masto_link(struct ctx *c, const struct masto_page *pg, int64_t newest, int64_t oldest,
		size_t n)
{
	(void)pg;
	if (!n)
		return;
	ctx_header(c, "Link",
		   arena_printf(c->a, "<%s>; rel=\"next\", <%s>; rel=\"prev\"",
				page_url(c, "max_id", oldest), page_url(c, "min_id", newest)));
}

/* ---- accounts -------------------------------------------------------- */

static cJSON *account_row(struct ctx *c, const struct db_res *r, size_t i)
{
	cJSON *u = cJSON_CreateObject();
	const char *name = db_str(r, i, 1);
	const char *url = masto_url(c, arena_printf(c->a, "/u/%s", url_encode(c->a, name)));
	cJSON_AddStringToObject(u, "id", db_str(r, i, 0));
	cJSON_AddStringToObject(u, "username", name);
	cJSON_AddStringToObject(u, "acct", name);
	cJSON_AddStringToObject(u, "display_name", name);
	cJSON_AddFalseToObject(u, "locked");
	cJSON_AddFalseToObject(u, "bot");
	cJSON_AddFalseToObject(u, "group");
	cJSON_AddFalseToObject(u, "discoverable");
	cJSON_AddStringToObject(u, "created_at", masto_time(c, db_int(r, i, 6)));
	struct buf note = {0};
	buf_puts(&note, "<p>");
	html_escape(&note, db_str(r, i, 2), strlen(db_str(r, i, 2)));
	buf_puts(&note, "</p>");
	cJSON_AddStringToObject(u, "note", buf_cstr(&note));
	buf_free(&note);
	cJSON_AddStringToObject(u, "url", url);
	const char *avatar = masto_url(c, "/static/avatar.png");
	if (db_str(r, i, 7)) {
		cJSON *img =
		    post_thumb_json(c->a, c->app->cfg.media_url, db_int(r, i, 7), db_int(r, i, 8),
				    db_str(r, i, 9), db_str(r, i, 10), db_str(r, i, 11));
		const char *j = img ? cJSON_GetStringValue(cJSON_GetObjectItem(img, "jpeg")) : NULL;
		if (j)
			avatar = masto_url(c, j);
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

cJSON *masto_accounts(struct ctx *c, const int64_t *ids, size_t n)
{
	struct db_res r;
	cJSON *list = cJSON_CreateArray();
	if (!n)
		return list;
	if (db_read(c->app->db, c->a, &r,
		    "SELECT u.id, u.username, u.bio, u.post_count, u.follower_count, "
		    "u.following_count, u.created_at, i.width, i.height, i.blurhash, i.avg_color, "
		    "i.variants FROM JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$')) j JOIN "
		    "users u ON u.id = j.id LEFT JOIN images i ON i.id = u.avatar_image_id WHERE "
		    "u.banned_at IS NULL",
		    "s", db_id_list(c->a, ids, n, sizeof(ids[0]))) != DB_OK) {
		cJSON_Delete(list);
		return NULL;
	}
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < r.nrows; i++)
			if (db_int(&r, i, 0) == ids[k]) {
				cJSON_AddItemToArray(list, account_row(c, &r, i));
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
static const char *ai_label(struct ctx *c, const char *prompt)
{
	if (!prompt || !*prompt)
		return "AI-generated image.";
	return arena_printf(c->a, "AI-generated image. Prompt: %s", prompt);
}

cJSON *masto_attachment(struct ctx *c, cJSON *p, const char *alt)
{
	cJSON *img = cJSON_GetObjectItem(p, "image");
	cJSON *disp = cJSON_GetObjectItem(img, "display");
	cJSON *card = cJSON_GetObjectItem(img, "card");
	const char *url = cJSON_GetStringValue(cJSON_GetObjectItem(disp, "jpeg"));
	const char *prev = card ? cJSON_GetStringValue(cJSON_GetObjectItem(card, "jpeg")) : NULL;
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(
	    m, "id",
	    arena_printf(c->a, "%.0f", cJSON_GetNumberValue(cJSON_GetObjectItem(p, "id"))));
	cJSON_AddStringToObject(m, "type", "image");
	cJSON_AddStringToObject(m, "url", masto_url(c, url ? url : ""));
	cJSON_AddStringToObject(m, "preview_url", masto_url(c, prev ? prev : url ? url : ""));
	cJSON_AddNullToObject(m, "remote_url");
	cJSON_AddNullToObject(m, "text_url");
	cJSON *meta = cJSON_AddObjectToObject(m, "meta");
	cJSON_AddItemToObject(meta, "original", meta_size(img));
	cJSON_AddItemToObject(meta, "small", meta_size(card ? card : disp ? disp : img));
	const char *prompt = cJSON_GetStringValue(cJSON_GetObjectItem(p, "prompt"));
	cJSON_AddStringToObject(m, "description", alt && *alt ? alt : ai_label(c, prompt));
	cJSON_AddStringToObject(m, "blurhash",
				cJSON_GetStringValue(cJSON_GetObjectItem(img, "blurhash")));
	return m;
}

/* content: the caption and a provenance line, as HTML. */
static const char *content_html(struct ctx *c, cJSON *p)
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
	const char *s = arena_strdup(c->a, buf_cstr(&b));
	buf_free(&b);
	return s;
}

static cJSON *status_json(struct ctx *c, cJSON *p, cJSON *account, int liked, const char *alt)
{
	int64_t id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(p, "id"));
	const char *cw = cJSON_GetStringValue(cJSON_GetObjectItem(p, "content_warning"));
	const char *url = masto_url(c, arena_printf(c->a, "/p/%lld", (long long)id));
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "id", arena_printf(c->a, "%lld", (long long)id));
	const char *iso = cJSON_GetStringValue(cJSON_GetObjectItem(p, "created_at"));
	cJSON_AddStringToObject(s, "created_at",
				arena_printf(c->a, "%.*s.000Z", (int)strlen(iso) - 1, iso));
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
	cJSON_AddStringToObject(s, "content", content_html(c, p));
	cJSON_AddNullToObject(s, "reblog");
	cJSON_AddNullToObject(s, "application");
	cJSON_AddItemToObject(s, "account", account ? account : cJSON_CreateNull());
	cJSON *media = cJSON_AddArrayToObject(s, "media_attachments");
	cJSON_AddItemToArray(media, masto_attachment(c, p, alt));
	cJSON_AddArrayToObject(s, "mentions");
	cJSON *tags = cJSON_AddArrayToObject(s, "tags"), *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(p, "tags"))
	{
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", t->valuestring);
		cJSON_AddStringToObject(
		    o, "url",
		    masto_url(c, arena_printf(c->a, "/t/%s", url_encode(c->a, t->valuestring))));
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
					arena_printf(c->a, "%.0f", parent->valuedouble));
	else
		cJSON_AddNullToObject(ext, "remix_of");
	return s;
}

cJSON *masto_statuses(struct ctx *c, const int64_t *ids, size_t n)
{
	cJSON *list = cJSON_CreateArray();
	if (!n)
		return list;
	cJSON **posts = arena_zalloc(c->a, n * sizeof(*posts));
	int64_t *authors = arena_zalloc(c->a, n * sizeof(*authors));
	int *liked = arena_zalloc(c->a, n * sizeof(*liked));
	struct db_res alts;
	if (post_load_many(c->app->db, c->a, c->app->cfg.media_url, ids, n, posts) ||
	    (c->me && social_liked_map(c->app->db, c->a, c->me->id, ids, n, liked)) ||
	    db_read(c->app->db, c->a, &alts,
		    "SELECT m.post_id, m.description FROM JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT "
		    "PATH '$')) j JOIN oauth_media m ON m.post_id = j.id",
		    "s", db_id_list(c->a, ids, n, sizeof(ids[0]))) != DB_OK) {
		for (size_t i = 0; i < n; i++)
			cJSON_Delete(posts[i]);
		cJSON_Delete(list);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (posts[i])
			authors[i] = (int64_t)cJSON_GetNumberValue(
			    cJSON_GetObjectItem(cJSON_GetObjectItem(posts[i], "author"), "id"));
	cJSON *accounts = masto_accounts(c, authors, n);
	for (size_t i = 0; i < n; i++) {
		if (!posts[i])
			continue;
		cJSON *acct = NULL, *a;
		cJSON_ArrayForEach(
		    a, accounts) if (strtoll(cJSON_GetStringValue(cJSON_GetObjectItem(a, "id")),
					     NULL, 10) == authors[i]) acct = cJSON_Duplicate(a, 1);
		const char *alt = NULL;
		for (size_t k = 0; k < alts.nrows; k++)
			if (db_int(&alts, k, 0) == ids[i])
				alt = db_str(&alts, k, 1);
		cJSON_AddItemToArray(list, status_json(c, posts[i], acct, liked[i], alt));
		cJSON_Delete(posts[i]);
	}
	cJSON_Delete(accounts);
	return list;
}

/* ---- timelines --------------------------------------------------------- */

/* Visible posts of people not banned, none by people the viewer muted or
 * blocked (or who blocked them), in the window of the page. */
#define PAGE_WHERE                                                                                 \
	" FROM posts p JOIN users u ON u.id = p.user_id WHERE p.mod_state = 'visible' AND "        \
	"u.banned_at IS NULL AND p.user_id NOT IN (SELECT id FROM JSON_TABLE(?, '$[*]' COLUMNS "   \
	"(id BIGINT PATH '$')) m) AND (? = 0 OR p.id < ?) AND p.id > ? "

int masto_status_page(struct ctx *c, const char *kind, int64_t arg, const char *sarg,
		      const struct masto_page *pg, int64_t **ids, size_t *n)
{
	int64_t *muted = NULL;
	size_t nm = 0;
	if (c->me && social_muted(c->app->db, c->a, c->me->id, &muted, &nm))
		return -1;
	const char *ml = db_id_list(c->a, muted, nm, sizeof(int64_t));
	/* min_id: the page just above it (oldest first, turned around);
	 * otherwise the newest below max_id, above since_id. */
	int asc = pg->min_id > 0;
	int64_t lo = asc ? pg->min_id : pg->since_id;
	const char *order = asc ? "ORDER BY p.id ASC LIMIT ?" : "ORDER BY p.id DESC LIMIT ?";
	struct db_res r;
	int rc;
	if (!strcmp(kind, "home"))
		rc = db_read(
		    c->app->db, c->a, &r,
		    arena_printf(c->a,
				 "SELECT p.id" PAGE_WHERE
				 "AND (p.user_id = ? OR p.user_id IN (SELECT followee_id "
				 "FROM follows WHERE follower_id = ?) OR EXISTS (SELECT 1 "
				 "FROM post_tags pt JOIN tag_follows tf ON tf.tag_id = "
				 "pt.tag_id WHERE pt.post_id = p.id AND tf.user_id = ?)) %s",
				 order),
		    "siiiiiii", ml, pg->max_id, pg->max_id, lo, arg, arg, arg, (int64_t)pg->limit);
	else if (!strcmp(kind, "tag"))
		rc = db_read(
		    c->app->db, c->a, &r,
		    arena_printf(c->a,
				 "SELECT p.id" PAGE_WHERE
				 "AND EXISTS (SELECT 1 FROM post_tags pt JOIN tags t ON t.id "
				 "= pt.tag_id WHERE pt.post_id = p.id AND t.name = ?) %s",
				 order),
		    "siiisi", ml, pg->max_id, pg->max_id, lo, sarg, (int64_t)pg->limit);
	else if (!strcmp(kind, "account"))
		rc = db_read(
		    c->app->db, c->a, &r,
		    arena_printf(c->a, "SELECT p.id" PAGE_WHERE "AND p.user_id = ? %s", order),
		    "siiiii", ml, pg->max_id, pg->max_id, lo, arg, (int64_t)pg->limit);
	else
		rc = db_read(c->app->db, c->a, &r,
			     arena_printf(c->a, "SELECT p.id" PAGE_WHERE "%s", order), "siiii", ml,
			     pg->max_id, pg->max_id, lo, (int64_t)pg->limit);
	if (rc != DB_OK)
		return -1;
	*n = r.nrows;
	*ids = arena_zalloc(c->a, (r.nrows + 1) * sizeof(int64_t));
	for (size_t i = 0; i < r.nrows; i++)
		(*ids)[asc ? r.nrows - 1 - i : i] = db_int(&r, i, 0);
	return 0;
}

/* A timeline answer: the statuses of the page and its Link header. */
static int timeline(struct ctx *c, const char *kind, int64_t arg, const char *sarg)
{
	struct masto_page pg;
	int64_t *ids;
	size_t n;
	int st;
	if ((st = masto_page_parse(c, &pg)))
		return st;
	if (masto_status_page(c, kind, arg, sarg, &pg, &ids, &n))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON *list = masto_statuses(c, ids, n);
	if (!list)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	masto_link(c, &pg, n ? ids[0] : 0, n ? ids[n - 1] : 0, n);
	cJSON_Delete(c->data);
	c->data = list;
	return 200;
}

int masto_timeline_home(struct ctx *c)
{
	return timeline(c, "home", c->me->id, NULL);
}

int masto_timeline_public(struct ctx *c)
{
	return timeline(c, "public", 0, NULL);
}

int masto_timeline_tag(struct ctx *c)
{
	const char *t = c->sparams[0];
	if (*t == '#')
		t++;
	char *low = arena_strdup(c->a, t);
	for (char *p = low; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return timeline(c, "tag", 0, low);
}

int masto_account_statuses(struct ctx *c)
{
	/* imagier has no pins, replies or boosts: those filters find nothing */
	const char *pinned = kv_get(&c->req->query, "pinned");
	if (pinned && (!strcmp(pinned, "true") || !strcmp(pinned, "1"))) {
		cJSON_Delete(c->data);
		c->data = cJSON_CreateArray();
		return 200;
	}
	return timeline(c, "account", c->params[0], NULL);
}

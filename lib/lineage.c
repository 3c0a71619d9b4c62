/* lineage.c - a post's family: its ancestors and its descendants as a tree. */
#include "lineage.h"
#include "db.h"
#include "diff.h"
#include "genq.h"
#include "post.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define NODE_COLUMNS                                                                               \
	"p.id, IFNULL(p.parent_id, 0), u.username, "                                               \
	"IF(p.mod_state <> 'visible' OR u.banned_at IS NOT NULL, '', p.prompt), p.depth, "         \
	"p.remix_count, i.width, "                                                                 \
	"i.height, i.blurhash, i.avg_color, i.variants, "                                          \
	"p.mod_state <> 'visible' OR u.banned_at IS NOT NULL"
#define NODE_JOINS " JOIN users u ON u.id = p.user_id JOIN images i ON i.id = p.image_id "

struct node {
	int64_t id, parent;
	const char *prompt;
	cJSON *json;	 /* {"post":...,"children":[...]} for descendants */
	cJSON *children; /* inside json */
};

static cJSON *node_json(struct arena *a, const char *media_url, const struct db_res *r, size_t i)
{
	cJSON *n = cJSON_CreateObject();
	int64_t id = db_int(r, i, 0);
	cJSON_AddNumberToObject(n, "id", (double)id);
	if (db_int(r, i, 11)) {
		/* Taken down by moderation: the family keeps its shape, nothing
		 * of the post shows. */
		cJSON_AddTrueToObject(n, "removed");
		cJSON_AddStringToObject(n, "prompt", "");
		cJSON_AddNumberToObject(n, "depth", (double)db_int(r, i, 4));
		cJSON_AddNumberToObject(n, "remix_count", (double)db_int(r, i, 5));
		return n;
	}
	cJSON_AddStringToObject(n, "url", arena_printf(a, "/p/%lld", (long long)id));
	cJSON_AddStringToObject(n, "author", db_str(r, i, 2));
	cJSON_AddStringToObject(n, "prompt", db_str(r, i, 3));
	cJSON_AddNumberToObject(n, "depth", (double)db_int(r, i, 4));
	cJSON_AddNumberToObject(n, "remix_count", (double)db_int(r, i, 5));
	cJSON *thumb = post_thumb_json(a, media_url, db_int(r, i, 6), db_int(r, i, 7),
				       db_str(r, i, 8), db_str(r, i, 9), db_str(r, i, 10));
	if (thumb)
		cJSON_AddItemToObject(n, "thumb", thumb);
	cJSON_AddStringToObject(n, "blurhash", db_str(r, i, 8));
	cJSON_AddStringToObject(n, "color", db_str(r, i, 9));
	return n;
}

static int cmp_node(const void *a, const void *b)
{
	int64_t x = ((const struct node *)a)->id, y = ((const struct node *)b)->id;
	return x < y ? -1 : x > y;
}

static struct node *find(struct node *sorted, size_t n, int64_t id)
{
	struct node key = {.id = id};
	return bsearch(&key, sorted, n, sizeof(*sorted), cmp_node);
}

/* Ancestors, root first; fills *parent_prompt with the direct parent's. */
static int load_ancestors(struct db *db, struct arena *a, const char *media_url, int64_t id,
			  cJSON *out, const char **parent_prompt)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "WITH RECURSIVE anc (id, parent_id, lvl) AS ("
		    " SELECT id, parent_id, 0 FROM posts WHERE id = ?"
		    " UNION ALL SELECT p.id, p.parent_id, anc.lvl + 1 FROM posts p"
		    " JOIN anc ON p.id = anc.parent_id WHERE anc.lvl < ?)"
		    " SELECT " NODE_COLUMNS " FROM anc JOIN posts p ON p.id = anc.id" NODE_JOINS
		    "WHERE anc.lvl > 0 ORDER BY anc.lvl DESC",
		    "ii", id, (int64_t)LINEAGE_MAX_DEPTH) != DB_OK)
		return -1;
	const char *prev = NULL;
	for (size_t i = 0; i < r.nrows; i++) {
		cJSON *n = node_json(a, media_url, &r, i);
		if (prev)
			cJSON_AddItemToObject(n, "diff", diff_words(a, prev, db_str(&r, i, 3)));
		prev = db_str(&r, i, 3);
		cJSON_AddItemToArray(out, n);
	}
	*parent_prompt = prev;
	return 0;
}

/* Descendants as a tree under out (the children of id). */
static int load_descendants(struct db *db, struct arena *a, const char *media_url, int64_t id,
			    const char *own_prompt, cJSON *out, int *truncated)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "WITH RECURSIVE d (id, lvl) AS ("
		    " SELECT id, 1 FROM posts WHERE parent_id = ?"
		    " UNION ALL SELECT p.id, d.lvl + 1 FROM posts p JOIN d ON p.parent_id = d.id"
		    " WHERE d.lvl < ?)"
		    " SELECT " NODE_COLUMNS " FROM d JOIN posts p ON p.id = d.id" NODE_JOINS
		    "ORDER BY d.lvl, p.id LIMIT ?",
		    "iii", id, (int64_t)LINEAGE_MAX_DEPTH, (int64_t)LINEAGE_MAX_NODES + 1) != DB_OK)
		return -1;
	size_t n = r.nrows > LINEAGE_MAX_NODES ? LINEAGE_MAX_NODES : r.nrows;
	*truncated = r.nrows > LINEAGE_MAX_NODES;
	struct node *nodes = arena_zalloc(a, (n + 1) * sizeof(*nodes));
	for (size_t i = 0; i < n; i++) {
		nodes[i].id = db_int(&r, i, 0);
		nodes[i].parent = db_int(&r, i, 1);
		nodes[i].prompt = db_str(&r, i, 3);
		nodes[i].json = cJSON_CreateObject();
		cJSON_AddItemToObject(nodes[i].json, "post", node_json(a, media_url, &r, i));
		nodes[i].children = cJSON_AddArrayToObject(nodes[i].json, "children");
	}
	/* A sorted copy to find parents; rows come level by level, so a
	 * parent is always attached before its children are looked at. */
	struct node *sorted = arena_alloc(a, (n + 1) * sizeof(*sorted));
	memcpy(sorted, nodes, n * sizeof(*nodes));
	qsort(sorted, n, sizeof(*sorted), cmp_node);
	for (size_t i = 0; i < n; i++) {
		const char *pprompt = own_prompt;
		cJSON *into = out;
		if (nodes[i].parent != id) {
			struct node *p = find(sorted, n, nodes[i].parent);
			if (p) { /* (level order: a parent is always in the set) */
				pprompt = p->prompt;
				into = p->children;
			}
		}
		cJSON *post = cJSON_GetObjectItemCaseSensitive(nodes[i].json, "post");
		cJSON_AddItemToObject(post, "diff", diff_words(a, pprompt, nodes[i].prompt));
		cJSON_AddItemToArray(into, nodes[i].json);
	}
	return 0;
}

cJSON *lineage_load(struct db *db, struct arena *a, const char *media_url, int64_t id, int *status)
{
	struct db_res r;
	*status = 503;
	if (db_read(db, a, &r, "SELECT " NODE_COLUMNS " FROM posts p" NODE_JOINS "WHERE p.id = ?",
		    "i", id) != DB_OK)
		return NULL;
	if (r.nrows == 0) {
		*status = 404;
		return NULL;
	}
	cJSON *root = cJSON_CreateObject();
	cJSON *self = node_json(a, media_url, &r, 0);
	const char *own = db_str(&r, 0, 3), *parent_prompt = NULL;
	cJSON_AddItemToObject(root, "post", self);
	cJSON *anc = cJSON_AddArrayToObject(root, "ancestors");
	cJSON *desc = cJSON_AddArrayToObject(root, "descendants");
	int truncated = 0;
	if (load_ancestors(db, a, media_url, id, anc, &parent_prompt) ||
	    load_descendants(db, a, media_url, id, own, desc, &truncated)) {
		cJSON_Delete(root);
		return NULL;
	}
	if (parent_prompt)
		cJSON_AddItemToObject(self, "diff", diff_words(a, parent_prompt, own));
	cJSON_AddBoolToObject(root, "truncated", truncated);
	*status = 200;
	return root;
}

int lineage_remix_defaults(struct db *db, struct arena *a, const struct config *cfg, int64_t parent,
			   struct genq_request *d)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT p.prompt, g.negative_prompt, g.style, g.seed, g.width, g.height, "
		    "g.backend, i.width, i.height FROM posts p JOIN images i ON i.id = p.image_id "
		    "JOIN users u ON u.id = p.user_id LEFT JOIN generations g ON g.id = "
		    "p.generation_id WHERE p.id = ? AND p.mod_state = 'visible' AND u.banned_at IS "
		    "NULL",
		    "i", parent) != DB_OK)
		return 503;
	if (r.nrows == 0)
		return 404;
	memset(d, 0, sizeof(*d));
	d->parent_id = parent;
	d->prompt = db_str(&r, 0, 0);
	if (db_str(&r, 0, 3)) { /* made here */
		d->negative_prompt = db_str(&r, 0, 1);
		d->style = db_str(&r, 0, 2);
		d->seed = strtoull(db_str(&r, 0, 3), NULL, 10);
		d->has_seed = 1;
		d->width = (int)db_int(&r, 0, 4);
		d->height = (int)db_int(&r, 0, 5);
		d->backend = db_str(&r, 0, 6);
		if (!genq_backend_enabled(cfg, d->backend))
			d->backend = NULL;
	} else { /* an upload: keep its shape within the limits */
		int64_t w = db_int(&r, 0, 7), h = db_int(&r, 0, 8);
		int64_t m = w > h ? w : h;
		d->width = (int)(m > 1024 ? w * 1024 / m : w);
		d->height = (int)(m > 1024 ? h * 1024 / m : h);
		if (d->width < 256)
			d->width = 256;
		if (d->height < 256)
			d->height = 256;
	}
	return 0;
}

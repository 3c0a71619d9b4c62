/* lineage.h - a post's family: its ancestors and its descendants as a tree. */
#ifndef IMAGIER_LINEAGE_H
#define IMAGIER_LINEAGE_H

#include <stdint.h>

#include "arena.h"

struct cJSON;
struct db;

#define LINEAGE_MAX_NODES 2000
#define LINEAGE_MAX_DEPTH 200

/* {"post":node, "ancestors":[node, ... root first, parent last],
 *  "descendants":[{"post":node,"children":[...]}, ...], "truncated":bool}
 * where node = {"id","url","author","prompt","thumb":{webp,jpeg,width,height},
 * "blurhash","color","remix_count","depth","diff":[runs vs its parent]}.
 * One recursive query each way (indexes on posts.id and posts.parent_id);
 * at most LINEAGE_MAX_NODES descendants. NULL with *status 404 or 503. */
struct cJSON *lineage_load(struct db *db, struct arena *a, const char *media_url, int64_t id,
			   int *status);

struct config;
struct genq_request;
/* The defaults of a remix of parent: its prompt and parameters (the backend
 * only if still enabled); an upload has no generation, so its size, scaled
 * into 256..1024, and a fresh seed. 0, 404 (no such visible post of a
 * person not banned), or 503. */
int lineage_remix_defaults(struct db *db, struct arena *a, const struct config *cfg, int64_t parent,
			   struct genq_request *d);

#endif

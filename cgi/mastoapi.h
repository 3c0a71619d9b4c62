/* mastoapi.h - what the Mastodon client API's handlers share (oauth.c,
 * masto.c, masto_post.c, masto_acct.c); the objects themselves are
 * lib/masto.h's. */
#ifndef IMAGIER_MASTOAPI_H
#define IMAGIER_MASTOAPI_H

#include <stddef.h>
#include <stdint.h>

#include "masto.h"

struct ctx;
struct cJSON;

#define MASTO_VERSION "4.0.0 (compatible; imagier)"

/* The request's viewer and the site, for lib/masto.h. */
struct masto_view masto_view_of(struct ctx *c);
/* Mastodon's paging parameters (limit, max_id, since_id, min_id) into *pg:
 * 0, or 400. */
int masto_page_parse(struct ctx *c, struct masto_window *pg);
/* The Link header of a page whose ids run from newest to oldest (n items;
 * none for an empty page). */
void masto_link(struct ctx *c, int64_t newest, int64_t oldest, size_t n);
/* A page's answer: list (NULL: 503), with the Link header of ids[0..n). */
int masto_page_answer(struct ctx *c, struct cJSON *list, const int64_t *ids, size_t n);
/* The status of post id as the viewer may see it, or NULL with *st (404,
 * 503) from ctx_fail. */
struct cJSON *masto_status_one(struct ctx *c, int64_t id, int *st);
/* c's answer is v (replacing any view model): 200. */
int masto_answer(struct ctx *c, struct cJSON *v);

#endif

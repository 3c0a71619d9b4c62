/* myfilters.h - what each person filters for themselves (mutes, blocks,
 * muted words and tags, the content-warning choice), as the feeds, the post
 * page and the social handlers apply it: cgi/guard.c, over lib/filters.c
 * (struct myfilters, enum cw_pref). The settings' handlers (myfilters.c)
 * are declared in app.h. */
#ifndef IMAGIER_MYFILTERS_H
#define IMAGIER_MYFILTERS_H

#include <stdint.h>

#include "filters.h"

struct ctx;
struct cJSON;

/* The viewer's filters (lib filters_load): anonymous visitors, and anyone
 * while the database is down, get no filters and CW_BLUR. Never fails. */
void myfilters_load(struct ctx *c, struct myfilters *f);
/* 1 if the post leaves the viewer's feeds, else 0 after marking "cw_blur"
 * where due (lib filters_hide). */
int myfilters_apply(struct ctx *c, const struct myfilters *f, struct cJSON *post);
/* The post page: "cw_blur" or, for a viewer who hides such posts, "cw_hidden"
 * (the page offers ?cw=show, which shows the picture plainly). */
void myfilters_post_page(struct ctx *c, struct cJSON *post);
/* user_id's filters changed: drop the cached copy. */
void myfilters_changed(struct ctx *c, int64_t user_id);

/* 0, or the status of ctx_fail (403 "blocked", 503) when the viewer and
 * other_id have blocked one another (either way). */
int block_check(struct ctx *c, int64_t other_id);
/* The same against the author of post_id and, unless parent_id is 0, the
 * author of that comment. A missing post passes (the handler says 404). */
int block_check_post(struct ctx *c, int64_t post_id, int64_t parent_id);

struct social_check;
/* Before a like (blocks 1) or an unlike (0) or a comment (1) on post_id
 * (answering parent_id, or 0): one read of the primary for the owed recheck
 * of a cached session (R_RECHECK_LATE), the blocks, the post and the
 * comment answered, into *chk. 0, or the status of the refusal (log in,
 * 403 suspended, 403 blocked, 503). The post's absence is the writer's to
 * say (404). */
int post_write_check(struct ctx *c, int64_t post_id, int64_t parent_id, int blocks,
		     struct social_check *chk);

#endif

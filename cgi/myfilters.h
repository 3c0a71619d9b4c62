/* myfilters.h - what each person filters for themselves (mutes, blocks,
 * muted words and tags, the content-warning choice), as the feeds, the post
 * page and the social handlers apply it. Handlers are declared in app.h. */
#ifndef IMAGIER_MYFILTERS_H
#define IMAGIER_MYFILTERS_H

#include <stddef.h>
#include <stdint.h>

struct ctx;
struct cJSON;
struct textnorm_list;

#define MYFILTERS_MAX_TERMS 100 /* muted words and tags of one person, together */
#define MYFILTERS_TERM_MAX  40	/* characters of one term */

enum cw_pref { CW_BLUR, CW_SHOW, CW_HIDE };

/* One viewer's filters, in the request arena. */
struct myfilters {
	int64_t self;	       /* the viewer; 0 when anonymous */
	const int64_t *hidden; /* muted, blocked or blocking the viewer; ascending */
	size_t nhidden;
	struct textnorm_list *words; /* muted words (and plurals); NULL for none */
	const char **tags;	     /* muted tags, lower-case, no '#' */
	size_t ntags;
	enum cw_pref cw;
};

/* The viewer's filters: one memcached get (imagier:myfilters:<id>), else one
 * query, then cached. Anonymous visitors, and anyone while the database is
 * down, get no filters and CW_BLUR. Never fails. */
void myfilters_load(struct ctx *c, struct myfilters *f);
/* 1 if the post (a view-model object of lib/post.c) leaves the viewer's
 * feeds: a hidden author, a muted tag, a muted word in its prompt or caption,
 * or a content warning the viewer hides. Else 0, after adding "cw_blur":
 * true when its picture is to be shown blurred. The viewer's own posts are
 * never left out (only blurred). */
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

#endif

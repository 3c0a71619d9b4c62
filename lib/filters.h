/* filters.h - what each person filters for themselves: blocks (either way),
 * mutes, muted words and tags, and the content-warning choice; how a post
 * is judged against them; and the settings that edit them. (Mutes are set
 * by social_mute(); the site-wide word list is wordfilter.h.) */
#ifndef IMAGIER_FILTERS_H
#define IMAGIER_FILTERS_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct cJSON;
struct cache;
struct db;
struct textnorm_list;

#define MYFILTERS_MAX_TERMS 100 /* muted words and tags of one person, together */
#define MYFILTERS_TERM_MAX  40	/* characters of one term */

enum cw_pref { CW_BLUR, CW_SHOW, CW_HIDE };

/* One viewer's filters, in an arena. */
struct myfilters {
	int64_t self;	       /* the viewer; 0 when anonymous */
	const int64_t *hidden; /* muted, blocked or blocking the viewer; ascending */
	size_t nhidden;
	struct textnorm_list *words; /* muted words (and plurals); NULL for none */
	const char **tags;	     /* muted tags, lower-case, no '#' */
	size_t ntags;
	enum cw_pref cw;
};

/* user_id's filters into f: one memcached get (imagier:myfilters:<id>),
 * else one query, then cached. user_id 0 (anonymous), or a database that
 * does not answer, gives no filters and CW_BLUR. Never fails. */
void filters_load(struct db *db, struct cache *cache, struct arena *a, int64_t user_id,
		  struct myfilters *f);
/* user_id's filters changed: drop the cached copy. */
void filters_changed(struct cache *cache, struct arena *a, int64_t user_id);

/* 1 if the post (a view-model object of lib/post.c) leaves the viewer's
 * feeds: a hidden author, a muted tag, a muted word in its prompt or caption,
 * or a content warning the viewer hides. Else 0, after adding "cw_blur":
 * true when its picture is to be shown blurred. The viewer's own posts are
 * never left out (only blurred). */
int filters_hide(struct arena *a, const struct myfilters *f, struct cJSON *post);
/* 1 if the post carries a content warning. */
int filters_post_has_cw(const struct cJSON *post);
/* The post page of a post with a content warning: "cw_blur" or, for a
 * viewer who hides such posts, "cw_hidden". */
void filters_post_page(const struct myfilters *f, struct cJSON *post);

/* The names of enum cw_pref ("blur", "show", "hide"); NULL past the end. */
const char *filters_cw_name(size_t i);

/* Is there a block between user_id and other_id, either way? 0 (none), 1
 * with *blocker (who blocked) and *name (other_id's username), or -1 (db). */
int filters_blocked(struct db *db, struct arena *a, int64_t user_id, int64_t other_id,
		    int64_t *blocker, const char **name);
/* The same against the author of post_id and, unless parent_id is 0, the
 * author of that comment (*name: theirs). A missing post finds none. */
int filters_blocked_on_post(struct db *db, struct arena *a, int64_t user_id, int64_t post_id,
			    int64_t parent_id, int64_t *blocker, const char **name);
/* Block (on) or unblock target_id as user_id. A block also ends the follows
 * either way, counters and all, in one transaction. 0 with *changed (the
 * block row moved) and *unfollowed, or 503. */
int filters_block(struct db *db, struct arena *a, int64_t user_id, int64_t target_id, int on,
		  int *changed, int *unfollowed);

/* The person's filters as {"muted_words","muted_tags","muted_users",
 * "blocked_users","content_warnings"} into d (arrays sorted). 0 or -1. */
int filters_view(struct db *db, struct arena *a, int64_t user_id, struct cJSON *d);
/* A submitted list of muted words (tag 0) or tags (tag 1) checked and
 * normalised (trimmed, lower-case, a tag without '#', blanks and repeats
 * dropped) into a new JSON array the caller frees, or NULL with *code
 * (left as it was, or "too_many_terms") and *why. */
struct cJSON *filters_terms(struct arena *a, int tag, const struct cJSON *in, const char **code,
			    const char **why);
/* Store what was sent (each of words, tags, cw may be NULL: unchanged), all
 * or nothing. 0, 400 (more than MYFILTERS_MAX_TERMS in all), 503. */
int filters_save(struct db *db, struct arena *a, int64_t user_id, const struct cJSON *words,
		 const struct cJSON *tags, const char *cw);

#endif

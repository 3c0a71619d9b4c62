/* masto.h - the Mastodon client API's view of imagier's model (cgi/masto*.c
 * are its handlers, lib/oauth.h its tokens): the JSON objects apps expect,
 * built from posts, people and notifications, and the staged pictures of
 * POST /api/v1/media. Ids are imagier's row ids as strings. */
#ifndef IMAGIER_MASTO_H
#define IMAGIER_MASTO_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct cJSON;
struct db;
struct image_stored;

#define MASTO_PAGE     20 /* statuses, accounts, notifications per page ... */
#define MASTO_PAGE_MAX 40 /* ... and at most, with limit */
#define MASTO_FAMILY   40 /* remixes listed as a status's descendants */

/* Who asks, and where the site is: every object below is built for it. */
struct masto_view {
	struct db *db;
	struct arena *a;
	const char *base_url;  /* site.base_url: absolute URLs */
	const char *media_url; /* media.url */
	int64_t viewer;	       /* the token's person, 0: anonymous */
};

/* A page as Mastodon asks for it: limit, and ids max_id (older than),
 * since_id (newer than), min_id (the page just newer than it); 0: absent. */
struct masto_window {
	int limit;
	int64_t max_id, since_id, min_id;
};

/* An absolute URL for a path of the site or a media URL. */
const char *masto_abs(const struct masto_view *v, const char *path);
/* Unix time t as Mastodon writes it: "2026-11-24T23:59:00.000Z". */
const char *masto_time(struct arena *a, int64_t t);

/* Accounts of ids in that order (unknown or banned left out); Statuses of
 * post ids in that order (invisible left out). NULL when the database
 * failed. */
struct cJSON *masto_accounts(const struct masto_view *v, const int64_t *ids, size_t n);
struct cJSON *masto_statuses(const struct masto_view *v, const int64_t *ids, size_t n);
/* A MediaAttachment of p {"id","image","prompt"}: description alt, else the
 * AI label with the prompt. */
struct cJSON *masto_attachment(const struct masto_view *v, struct cJSON *p, const char *alt);

/* The post ids of a page, newest first: kind "home" (arg: the person),
 * "public", "tag" (sarg: the tag), "account" (arg: the author). Visible
 * posts of people not banned, none of people the viewer muted or blocked.
 * 0, or -1 (database). */
int masto_status_page(const struct masto_view *v, const char *kind, int64_t arg, const char *sarg,
		      const struct masto_window *pg, int64_t **ids, size_t *n);
/* A Relationship of the viewer to person id, or NULL (database). */
struct cJSON *masto_relationship(const struct masto_view *v, int64_t id);
/* The imagier notice kinds ("like,follow", for FIND_IN_SET) of Mastodon's
 * types[] (none: every type) less exclude_types[]; unknown types match
 * nothing. */
const char *masto_notice_kinds(struct arena *a, const char *const *types, size_t ntypes,
			       const char *const *exclude, size_t nexclude);
/* The viewer's notifications of kinds (masto_notice_kinds) in a page as
 * Mastodon's (like: favourite, follow, comment/reply: mention, remix:
 * status; moderation notices are never listed), newest first; *newest and
 * *oldest ids (0 when empty). NULL (database). */
struct cJSON *masto_notifications_list(const struct masto_view *v, const struct masto_window *pg,
				       const char *kinds, int64_t *newest, int64_t *oldest);
/* Search results {"accounts","statuses","hashtags"} for q (a name or tag
 * prefix; statuses whose caption or prompt has it); type NULL for all, or
 * "accounts", "hashtags", "statuses". NULL (database). */
struct cJSON *masto_search_results(const struct masto_view *v, const char *q, const char *type,
				   int limit);

/* A picture just stored (provenance_store) staged for user_id with its
 * description, through app_id (0: none): its image row and an oauth_media
 * row in one transaction. The media id, or -1. */
int64_t masto_media_stage(struct db *db, struct arena *a, int64_t user_id, int64_t app_id,
			  const struct image_stored *img, const char *description);
/* The MediaAttachment of user_id's staged picture id; NULL with *found 0
 * (none of theirs) or -1 (database). */
struct cJSON *masto_media_load(const struct masto_view *v, int64_t id, int *found);
/* The description of user_id's staged picture id not posted yet: 1 with
 * *description, 0 none, -1 database. */
int masto_media_waiting(struct db *db, struct arena *a, int64_t user_id, int64_t id,
			const char **description);
/* A post's remix family: the parent it remixes (0: none) and its direct
 * remixes (visible, oldest first, at most MASTO_FAMILY). 0 or -1. */
int masto_family(struct db *db, struct arena *a, int64_t post_id, int64_t *parent, int64_t **kids,
		 size_t *n);
/* A page of user_id's followers (followers 1) or of the people they follow
 * (0), by account id descending (max_id, since_id of pg; imagier's follows
 * have no id of their own). 0 or -1. */
int masto_follow_page(struct db *db, struct arena *a, int64_t user_id, int followers,
		      const struct masto_window *pg, int64_t **ids, size_t *n);
/* People not banned and visible posts, for the instance. 0 or -1. */
int masto_counts(struct db *db, struct arena *a, int64_t *users, int64_t *posts);
/* The username of person id (not banned): 1, 0, -1. */
int masto_username(struct db *db, struct arena *a, int64_t id, const char **name);

#endif

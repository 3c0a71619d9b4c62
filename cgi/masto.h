/* masto.h - what the Mastodon client API's files share (oauth.c, masto.c,
 * masto_acct.c): its JSON shapes and pagination. */
#ifndef IMAGIER_MASTO_H
#define IMAGIER_MASTO_H

#include <stddef.h>
#include <stdint.h>

struct ctx;
struct cJSON;

#define MASTO_VERSION  "4.0.0 (compatible; imagier)"
#define MASTO_PAGE     20 /* statuses, accounts, notifications per page ... */
#define MASTO_PAGE_MAX 40 /* ... and at most, with limit */

/* An absolute URL for path (a path of this site, or a media URL). */
const char *masto_url(struct ctx *c, const char *path);
/* Unix time t as Mastodon writes it: "2026-11-24T23:59:00.000Z". */
const char *masto_time(struct ctx *c, int64_t t);
/* Mastodon's paging parameters: limit (default MASTO_PAGE, at most
 * MASTO_PAGE_MAX), max_id, since_id, min_id (0: absent). 0, or 400. */
struct masto_page {
	int limit;
	int64_t max_id, since_id, min_id;
};
int masto_page_parse(struct ctx *c, struct masto_page *pg);
/* The Link header for a page whose ids run from newest to oldest. */
void masto_link(struct ctx *c, const struct masto_page *pg, int64_t newest, int64_t oldest,
		size_t n);
/* Accounts of ids (users.id) as Mastodon Account objects in an array, in
 * the order of ids, the ones that do not exist (or are banned) left out.
 * NULL when the database failed. */
struct cJSON *masto_accounts(struct ctx *c, const int64_t *ids, size_t n);
/* The statuses of post ids (in that order; invisible ones left out) as
 * Mastodon Status objects. NULL when the database failed. */
struct cJSON *masto_statuses(struct ctx *c, const int64_t *ids, size_t n);
/* The ids of a page of posts as SQL picks them: a helper for timelines. */
int masto_status_page(struct ctx *c, const char *kind, int64_t arg, const char *sarg,
		      const struct masto_page *pg, int64_t **ids, size_t *n);
/* A MediaAttachment of post (or staged picture) p {"id","image","prompt"};
 * its description alt, else the AI label with the prompt. */
struct cJSON *masto_attachment(struct ctx *c, struct cJSON *p, const char *alt);
/* The status of post id as the viewer may see it, or NULL with *st (404,
 * 503) from ctx_fail. */
struct cJSON *masto_status_one(struct ctx *c, int64_t id, int *st);
/* A Relationship of the viewer to user id, or NULL. */
struct cJSON *masto_relationship(struct ctx *c, int64_t id);

#endif

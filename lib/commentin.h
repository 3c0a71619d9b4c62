/* commentin.h - what every new comment passes, whoever writes it: a person
 * here through a form or the API (cgi/social.c), or a person of another
 * server replying to a post or comment here (lib/apin_social.c). One text
 * check (the length limit, the site's word filter) and one write (blocks,
 * the row with its counter and notices, the classifier), so the two paths
 * cannot drift apart. Rate limits are the "comment" class of
 * lib/ratelimit.c for both (a route's limit here, ratelimit_take there). */
#ifndef IMAGIER_COMMENTIN_H
#define IMAGIER_COMMENTIN_H

#include <stdint.h>

#include "arena.h"

struct cache;
struct config;
struct db;
struct social_check;
struct textnorm_list;

/* text as a comment's text: cleaned (text_clean) to COMMENT_MAX_CHARS,
 * not empty, and holding nothing of the site's word filter (filter: the
 * compiled list, NULL for none). 0 with *clean; else 400 with *code
 * ("bad_text", "missing_text", "blocked_word") and *why, a sentence. */
int commentin_text(struct arena *a, const struct textnorm_list *filter, const char *text,
		   const char **clean, const char **code, const char **why);

/* Store clean (from commentin_text) as user_id's comment on post_id, chk
 * from social_write_check with the comment answered: refused when either
 * author and user_id block one another (403), then social_comment_add
 * (counter and notices), then the classifier, which may hold it (*held).
 * 0 with *id and *created_at, 403, 404 (the post or the comment answered
 * is gone), 503. */
int commentin_write(struct db *db, struct cache *cache, const struct config *cfg, struct arena *a,
		    int64_t user_id, int64_t post_id, const struct social_check *chk,
		    const char *clean, int64_t *id, int64_t *created_at, int *held);

/* The classifier on a comment's (new) text, as commentin_write runs it:
 * 1 when it held the comment back, else 0. */
int commentin_classify(struct db *db, struct cache *cache, const struct config *cfg,
		       struct arena *a, int64_t id, const char *clean);

#endif

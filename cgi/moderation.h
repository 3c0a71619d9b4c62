/* moderation.h - what moderation (moderate.c) and the automatic filters
 * (classify.c) tell each other. */
#ifndef IMAGIER_MODERATION_H
#define IMAGIER_MODERATION_H

#include <stdint.h>

struct ctx;
struct cJSON;

/* classify.c ---------------------------------------------------------- */

/* Score new content (type "post" or "comment", already inserted, text =
 * prompt + caption or the comment; NULL: read from the database) with the
 * learning classifier. Above [moderation] hold_at (once the model has
 * min_decisions) the content is held back (mod_state 'held') and queued;
 * above flag_at it is only queued; the queue entry is a reports row with
 * source 'filter' whose note names the score and the words that weighed
 * most. For a post it also links the posts whose pictures are near
 * duplicates (near_distance). Returns 1 if held, else 0 (also when the
 * classifier or the database is not available: never blocks). */
int classify_new(struct ctx *c, const char *type, int64_t id, const char *text);

/* A moderator decided about content: remove (bad = 1) or dismiss (bad = 0).
 * The classifier learns from it (or keeps it as a held-back evaluation
 * sample). Errors are logged, not returned: a decision never fails on it. */
void classify_learn(struct ctx *c, const char *type, int64_t id, int bad);

/* The image of post_id was removed for cause: its perceptual hash joins the
 * blocklist, so the same picture (re-encoded, resized) cannot come back. */
void imghash_block_post(struct ctx *c, int64_t post_id, int64_t action_id);
/* A removal was reversed (restored, or overturned on appeal): unblock its
 * picture. */
void imghash_unblock_post(struct ctx *c, int64_t post_id);

/* Before storing a new post: 0, or 422 blocked_image (ctx_fail) when phash is
 * within block_distance of a blocked picture. Never fails on a db error. */
int imghash_check(struct ctx *c, uint64_t phash);

/* moderate.c ------------------------------------------------------------ */

/* Record an action in the append-only audit log (actor: c->me, or the
 * automatic filter when c->me is NULL). Returns the new id, or -1. */
int64_t mod_log(struct ctx *c, const char *action, const char *target_type, int64_t target_id,
		int64_t subject_id, const char *reason, const char *detail, int64_t until_at);

#endif

/* classifier.h - the learning text classifier of moderation.
 *
 * Naive Bayes over the words (and word pairs) of prompts, captions and
 * comments (lib/bayes.c), trained from moderators' decisions: remove = bad,
 * dismiss = good. The model lives in classifier_tokens and
 * classifier_totals; each process keeps a copy, reloaded when the version
 * key in memcached moves. New content above [moderation] hold_at is held
 * back, above flag_at queued, with the words that weighed most. One in five
 * decisions is kept back to measure precision and recall. */
#ifndef IMAGIER_CLASSIFIER_H
#define IMAGIER_CLASSIFIER_H

#include <stdint.h>

#include "arena.h"

struct cache;
struct cJSON;
struct config;
struct db;

/* Score new content (type "post" or "comment", already inserted, text =
 * prompt + caption or the comment; NULL: read from the database). Above
 * hold_at (once the model has min_decisions) the content is held back
 * (mod_state 'held') and queued; above flag_at it is only queued; the queue
 * entry is a reports row with source 'filter' whose note names the score and
 * the words that weighed most. For a post it also links the posts whose
 * pictures are near duplicates (imghash_link_near). Returns 1 if held, else
 * 0 (also when the classifier or the database is not available: never
 * blocks). */
int classifier_new(struct db *db, struct arena *a, struct cache *cache, const struct config *cfg,
		   const char *type, int64_t id, const char *text);

/* A moderator decided about content: remove (bad = 1) or dismiss (bad = 0).
 * The classifier learns from it (or keeps it as a held-back evaluation
 * sample). Errors are logged, not returned: a decision never fails on it. */
void classifier_learn(struct db *db, struct arena *a, struct cache *cache, const char *type,
		      int64_t id, int bad);

/* The admin page's view model into d: the decisions learned, the thresholds,
 * precision and recall on the held-back decisions, what the filter held or
 * flagged lately and the words that weigh most. 0, or -1 (database). */
int classifier_page(struct db *db, struct arena *a, struct cache *cache, const struct config *cfg,
		    struct cJSON *d);

#endif

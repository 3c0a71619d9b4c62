/* moderation.h - what the handlers that take new content (post.c,
 * social.c, generate.c) ask of moderation: the automatic filters, for the
 * request at hand. Thin wrappers over lib/classifier.h and lib/imghash.h, in
 * modhooks.c. */
#ifndef IMAGIER_MODERATION_H
#define IMAGIER_MODERATION_H

#include <stdint.h>

struct ctx;

/* Score new content (type "post" or "comment", already inserted, text =
 * prompt + caption or the comment; NULL: read from the database) with the
 * learning classifier (classifier_new). Returns 1 if held, else 0 (also when
 * the classifier or the database is not available: never blocks). */
int classify_new(struct ctx *c, const char *type, int64_t id, const char *text);

/* Before storing a new post: 0, or 422 blocked_image (ctx_fail) when phash is
 * within block_distance of a blocked picture. Never fails on a db error. */
int imghash_check(struct ctx *c, uint64_t phash);

#endif

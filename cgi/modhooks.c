/* modhooks.c - moderation's automatic filters for the request at hand
 * (moderation.h): the handlers that take new content call these; the work
 * is in lib/classifier.c and lib/imghash.c. Uses only app.h and lib/. */
#include "app.h"
#include "classifier.h"
#include "imghash.h"
#include "log.h"
#include "moderation.h"

int classify_new(struct ctx *c, const char *type, int64_t id, const char *text)
{
	return classifier_new(c->app->db, c->a, c->app->cache, &c->app->cfg, type, id, text);
}

void classify_learn(struct ctx *c, const char *type, int64_t id, int bad)
{
	classifier_learn(c->app->db, c->a, c->app->cache, type, id, bad);
}

void imghash_block_post(struct ctx *c, int64_t post_id, int64_t action_id)
{
	imghash_block_picture(c->app->db, c->a, &c->app->cfg, post_id, action_id);
}

void imghash_unblock_post(struct ctx *c, int64_t post_id)
{
	imghash_unblock_picture(c->app->db, c->a, post_id);
}

int imghash_check(struct ctx *c, uint64_t phash)
{
	int64_t post_id;
	int rc = imghash_blocked(c->app->db, c->a, phash, c->app->cfg.mod_block_distance, &post_id);
	if (rc != 1)
		return 0; /* not blocked, or cannot tell: the upload goes on */
	log_info("upload by %s refused: the picture of removed post %lld",
		 c->me ? c->me->username : "?", (long long)post_id);
	return ctx_fail(c, 422, "blocked_image", IMGHASH_BLOCKED_MSG);
}

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

int imghash_check(struct ctx *c, uint64_t phash)
{
	int64_t post_id;
	int rc = imghash_blocked(c->app->db, c->a, phash, c->app->cfg.mod_block_distance,
				 c->me ? c->me->id : 0, &post_id);
	if (rc != 1)
		return 0; /* not blocked, or cannot tell: the upload goes on */
	log_info("upload by %s refused: the picture of removed post %lld",
		 c->me ? c->me->username : "?", (long long)post_id);
	return ctx_fail(c, 422, "blocked_image", IMGHASH_BLOCKED_MSG);
}

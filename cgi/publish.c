/* publish.c - what follows every new post, whether uploaded (post.c) or
 * published from a generation (generate.c): post_published (generate.h). */
#include "app.h"
#include "apub.h"
#include "cache.h"
#include "feedview.h"
#include "generate.h"
#include "social.h"

void post_published(struct ctx *c, int64_t post_id)
{
	int64_t parent = social_post_published(c->app->db, c->a, &c->app->cfg, post_id, c->me->id);
	cache_bump(c->app->cache, CACHEKEY_FEED_VERSION);
	if (parent) /* a remix: the parent's count moved */
		feed_post_changed(c, parent);
	apub_post_published(c, c->me->id, post_id);
}

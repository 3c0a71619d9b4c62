/* classify.c - the classifier's admin page (/admin/classifier,
 * GET /api/v1/admin/classifier): what the learning text classifier has
 * learned, how well it does on the held-back decisions, what it held or
 * flagged lately. The classifier itself is lib/classifier.c; the image hash
 * blocklist lib/imghash.c; what new content asks of both, modhooks.c. */
#include "app.h"
#include "classifier.h"

int classifier_show(struct ctx *c)
{
	if (classifier_page(c->app->db, c->a, c->app->cache, &c->app->cfg, ctx_data(c)))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	c->title = "Classifier";
	return 200;
}

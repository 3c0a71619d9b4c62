/* classify.c - (being written). */
#include "app.h"

int classifier_show(struct ctx *c)
{
	return ctx_fail(c, 501, "not_implemented", "Not yet.");
}

#include "moderation.h"

int classify_new(struct ctx *c, const char *type, int64_t id, const char *text)
{
	(void)c, (void)type, (void)id, (void)text;
	return 0;
}

void classify_learn(struct ctx *c, const char *type, int64_t id, int bad)
{
	(void)c, (void)type, (void)id, (void)bad;
}

void imghash_block_post(struct ctx *c, int64_t post_id, int64_t action_id)
{
	(void)c, (void)post_id, (void)action_id;
}

/* appeal.c - (being written). */
#include "app.h"

int my_actions(struct ctx *c)
{
	return ctx_fail(c, 501, "not_implemented", "Not yet.");
}

int my_action_show(struct ctx *c)
{
	return ctx_fail(c, 501, "not_implemented", "Not yet.");
}

int appeal_create(struct ctx *c)
{
	return ctx_fail(c, 501, "not_implemented", "Not yet.");
}


/* myfilters.c - (being written). */
#include "app.h"

int block_user_put(struct ctx *c)
{
	return ctx_fail(c, 501, "not_implemented", "Not yet.");
}

int block_user_delete(struct ctx *c)
{
	return ctx_fail(c, 501, "not_implemented", "Not yet.");
}

int block_user_form(struct ctx *c)
{
	return ctx_fail(c, 501, "not_implemented", "Not yet.");
}

int my_filters_show(struct ctx *c)
{
	return ctx_fail(c, 501, "not_implemented", "Not yet.");
}

int my_filters_update(struct ctx *c)
{
	return ctx_fail(c, 501, "not_implemented", "Not yet.");
}


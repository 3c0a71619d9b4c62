/* stats.c - (being written). */
#include "app.h"

int stats_show(struct ctx *c)
{
	return ctx_fail(c, 501, "not_implemented", "Not yet.");
}

int stats_chart(struct ctx *c)
{
	return ctx_fail(c, 501, "not_implemented", "Not yet.");
}


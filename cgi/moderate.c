/* moderate.c - (being written). */
#include "app.h"

int mod_action(struct ctx *c)
{
	return ctx_fail(c, 501, "not_implemented", "Not yet.");
}

int audit_show(struct ctx *c)
{
	return ctx_fail(c, 501, "not_implemented", "Not yet.");
}

int admin_users_list(struct ctx *c)
{
	return ctx_fail(c, 501, "not_implemented", "Not yet.");
}

int admin_user_show(struct ctx *c)
{
	return ctx_fail(c, 501, "not_implemented", "Not yet.");
}

int admin_user_update(struct ctx *c)
{
	return ctx_fail(c, 501, "not_implemented", "Not yet.");
}


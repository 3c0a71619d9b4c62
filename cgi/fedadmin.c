/* fedadmin.c - defederating hosts (GET/POST /admin/federation and
 * /api/v1/admin/federation; docs/FEDERATION.md "Moderation"). Moderators
 * and admins block a host with a reason, or lift a block; the rules, the
 * transaction and the audit row are lib/apmod.c. */
#include "apmod.h"
#include "app.h"
#include "moderator.h"

#include <cjson/cJSON.h>
#include <string.h>

/* The list of blocks into the page's data. 0, or the status of a 503. */
static int blocks_json(struct ctx *c)
{
	cJSON *d = ctx_data(c);
	cJSON *items = cJSON_AddArrayToObject(d, "blocks");
	c->title = "Federation";
	if (apmod_list(c->app->db, c->a, items))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON_AddBoolToObject(d, "empty", cJSON_GetArraySize(items) == 0);
	return 0;
}

int fed_blocks_show(struct ctx *c)
{
	int st = blocks_json(c);
	if (st)
		return st;
	/* back from a block or a lift (the form's redirect): say it was done */
	const char *done = ctx_param(c, "done");
	const char *domain = apmod_domain_clean(c->a, ctx_param(c, "domain"));
	if (!c->api && done && domain && (!strcmp(done, "block") || !strcmp(done, "unblock")))
		cJSON_AddStringToObject(
		    ctx_data(c), "notice",
		    arena_printf(c->a,
				 !strcmp(done, "block")
				     ? "%s is defederated: its people's content here is hidden."
				     : "The block of %s is lifted: what it hid is back.",
				 domain));
	return 200;
}

static void counts_json(cJSON *o, const struct apmod_counts *n)
{
	cJSON_AddNumberToObject(o, "people", (double)n->people);
	cJSON_AddNumberToObject(o, "posts", (double)n->posts);
	cJSON_AddNumberToObject(o, "comments", (double)n->comments);
	cJSON_AddNumberToObject(o, "likes", (double)n->likes);
	cJSON_AddNumberToObject(o, "deliveries", (double)n->deliveries);
}

int fed_blocks_update(struct ctx *c)
{
	const char *action = ctx_param(c, "action"), *raw = ctx_param(c, "domain");
	const char *reason = ctx_param(c, "reason"), *clean, *why;
	c->title = "Federation";
	/* the page, shown again with an error, still lists the blocks */
	int lst = c->api ? 0 : blocks_json(c);
	if (lst)
		return lst;
	int block = action && !strcmp(action, "block");
	if (!block && !(action && !strcmp(action, "unblock")))
		return ctx_fail(c, 400, "bad_action", "The action is block or unblock.");
	const char *domain = apmod_domain_clean(c->a, raw);
	if (!domain)
		return ctx_fail(c, 400, "bad_domain",
				"Name a server by its host, such as social.example or "
				"social.example:8443 (a URL is read for its host).");
	if (!reason || text_clean(c->a, reason, strlen(reason), APMOD_REASON_CHARS, &clean, &why) ||
	    !*clean)
		return ctx_fail(c, 400, "missing_reason",
				"Give a reason (up to 400 characters): it is kept in the audit "
				"log.");
	const struct mod_actor me = {c->me->id, c->me->username, c->me->role};
	struct apmod_counts n;
	int st = block ? apmod_block(c->app->db, c->a, c->app->cache, c->app->cfg.media_dir, &me,
				     domain, clean, &n)
		       : apmod_unblock(c->app->db, c->a, c->app->cache, c->app->cfg.media_dir, &me,
				       domain, clean, &n);
	if (st == 409)
		return ctx_fail(c, 409, "already_blocked",
				arena_printf(c->a, "%s is defederated already.", domain));
	if (st == 404)
		return ctx_fail(c, 404, "not_blocked",
				arena_printf(c->a, "%s is not defederated.", domain));
	if (st)
		return ctx_fail(c, 503, "unavailable",
				"The database is not answering; nothing changed.");
	cJSON *o = cJSON_AddObjectToObject(ctx_data(c), block ? "blocked" : "unblocked");
	cJSON_AddStringToObject(o, "domain", domain);
	cJSON_AddStringToObject(o, "reason", clean);
	counts_json(o, &n);
	return ctx_done(c, 200,
			arena_printf(c->a, "/admin/federation?done=%s&domain=%s",
				     block ? "block" : "unblock", url_encode(c->a, domain)));
}

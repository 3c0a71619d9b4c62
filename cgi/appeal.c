/* appeal.c - what a person sees of the moderators' actions about them
 * (/moderation, GET /api/v1/me/actions) and their one appeal per action
 * (POST /api/v1/appeals), which lands in the moderation queue. The reads
 * and the rules are lib/audit.c. */
#include "app.h"
#include "audit.h"

#include <cjson/cJSON.h>
#include <string.h>

int my_actions(struct ctx *c)
{
	cJSON *items = audit_mine(c->app->db, c->a, c->me->id);
	if (!items)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON_AddItemToObject(ctx_data(c), "items", items);
	if (!c->api)
		cJSON_AddBoolToObject(ctx_data(c), "empty", cJSON_GetArraySize(items) == 0);
	c->title = "Moderation";
	return 200;
}

/* One action about the viewer into data "action"; 0 or a failed status. */
static int load_mine(struct ctx *c, int64_t id, cJSON **out)
{
	int st;
	*out = audit_mine_one(c->app->db, c->a, c->me->id, id, &st);
	if (!*out && st == 404)
		return ctx_fail(c, 404, "not_found", "There is no such decision about you.");
	if (!*out)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON_AddItemToObject(ctx_data(c), "action", *out);
	return 0;
}

int my_action_show(struct ctx *c)
{
	cJSON *a;
	int st = load_mine(c, c->params[0], &a);
	c->title = "A moderation decision";
	return st ? st : 200;
}

int appeal_create(struct ctx *c)
{
	uint64_t id = 0;
	cJSON *a;
	const char *note = ctx_param(c, "note"), *clean, *why;
	int st;
	c->title = "Appeal";
	if (c->route->pattern[1] == 'm') /* /moderation/{id}/appeal */
		id = (uint64_t)c->params[0];
	else if (ctx_param_u64(c, "action_id", INT64_MAX, &id) <= 0 || !id)
		return ctx_fail(c, 400, "bad_action_id",
				"Say which decision you appeal: action_id.");
	if ((st = load_mine(c, (int64_t)id, &a)))
		return st;
	if (!note || text_clean(c->a, note, strlen(note), APPEAL_NOTE_CHARS, &clean, &why) ||
	    !*clean)
		return ctx_fail(c, 400, "bad_note",
				"Tell the moderators why the decision was wrong (up to 1000 "
				"characters).");
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "can_appeal"))) {
		if (cJSON_GetObjectItemCaseSensitive(a, "appeal"))
			return ctx_fail(c, 409, "already_appealed",
					"You appealed this decision already; each decision can be "
					"appealed once.");
		return ctx_fail(c, 400, "not_appealable", "This decision cannot be appealed.");
	}
	int64_t appeal_id;
	st = audit_appeal(c->app->db, c->a, c->me->id, (int64_t)id, clean, &appeal_id);
	if (st == 409)
		return ctx_fail(c, 409, "already_appealed",
				"You appealed this decision already; each decision can be appealed "
				"once.");
	if (st)
		return ctx_fail(c, 503, "unavailable", "Could not save the appeal; try again.");
	cJSON *ap = cJSON_AddObjectToObject(ctx_data(c), "appeal");
	cJSON_AddNumberToObject(ap, "id", (double)appeal_id);
	cJSON_AddNumberToObject(ap, "action_id", (double)id);
	cJSON_AddStringToObject(ap, "note", clean);
	cJSON_AddStringToObject(ap, "status", "pending");
	return ctx_done(c, 201, arena_printf(c->a, "/moderation/%llu", (unsigned long long)id));
}

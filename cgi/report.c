/* report.c - people report posts, comments and people; moderators see the
 * open reports grouped by target, oldest first (/admin, /api/v1/admin/queue).
 * The rules and the queue are lib/reports.c. */
#include "app.h"
#include "reports.h"

#include <cjson/cJSON.h>
#include <string.h>

int report_create(struct ctx *c)
{
	const char *type = ctx_param(c, "target_type"), *reason = ctx_param(c, "reason");
	const char *note = ctx_param(c, "note"), *clean = "", *why;
	uint64_t id = 0;
	if (!report_type_known(type))
		return ctx_fail(c, 400, "bad_target_type", "Report a post, a comment or a user.");
	if (ctx_param_u64(c, "target_id", INT64_MAX, &id) <= 0 || id == 0)
		return ctx_fail(c, 400, "bad_target_id", "Say what you report: target_id.");
	if (!report_reason_known(reason))
		return ctx_fail(
		    c, 400, "bad_reason",
		    "The reason is spam, sexual, violence, harassment, illegal or other.");
	if (note && text_clean(c->a, note, strlen(note), REPORT_NOTE_CHARS, &clean, &why))
		return ctx_fail(c, 400, "bad_note", arena_printf(c->a, "Note: %s", why));
	int64_t report_id;
	enum report_why no;
	switch (report_add(c->app->db, c->a, c->me->id, type, (int64_t)id, reason, clean,
			   &report_id, &no)) {
	case 0:
		break;
	case 404:
		return ctx_fail(c, 404, "not_found", "There is nothing like that to report.");
	case 400:
		return ctx_fail(c, 400, "own_content",
				"You cannot report yourself or what you made.");
	case 409:
		return ctx_fail(c, 409, "already_reported",
				"You reported this already; thank you.");
	default:
		return ctx_fail(c, 503, "unavailable",
				no == REPORT_DB_DOWN ? "The database is not answering."
						     : "Could not save the report; try again.");
	}
	cJSON *rep = cJSON_AddObjectToObject(ctx_data(c), "report");
	cJSON_AddNumberToObject(rep, "id", (double)report_id);
	cJSON_AddStringToObject(rep, "target_type", type);
	cJSON_AddNumberToObject(rep, "target_id", (double)id);
	cJSON_AddStringToObject(rep, "reason", reason);
	cJSON_AddStringToObject(rep, "note", clean);
	const char *back = !strcmp(type, "post")
			       ? arena_printf(c->a, "/p/%llu?reported=1", (unsigned long long)id)
			       : "/";
	return ctx_done(c, 201, back);
}

int queue_show(struct ctx *c)
{
	int n = report_queue(c->app->db, c->a, c->app->cfg.media_url, ctx_data(c));
	if (n < 0)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (!c->api) { /* what the page's template asks of the view model */
		cJSON *it;
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(ctx_data(c), "items"))
		{
			const char *t = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(it, "target_type"));
			cJSON_AddBoolToObject(it, "user_target", t && !strcmp(t, "user"));
		}
		cJSON_AddBoolToObject(ctx_data(c), "no_appeals",
				      cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
					  ctx_data(c), "appeals")) == 0);
		cJSON_AddBoolToObject(ctx_data(c), "empty", n == 0);
	}
	c->title = "Moderation queue";
	return 200;
}

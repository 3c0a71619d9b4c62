/* appeal.c - what a person sees of the moderators' actions about them
 * (/moderation, GET /api/v1/me/actions) and their one appeal per action
 * (POST /api/v1/appeals), which lands in the moderation queue. */
#include "app.h"
#include "db.h"
#include "post.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <string.h>

#define APPEAL_NOTE_CHARS 1000
#define MY_ACTIONS_PAGE	  50

/* Actions a person may appeal: those that took something from them and
 * leave them able to log in. */
static int appealable(const char *action)
{
	/* Not a ban: a banned person cannot log in (they write to the site). */
	static const char *const can[] = {"hide", "remove", "label", "warn", "suspend"};
	for (size_t i = 0; i < ARRAY_LEN(can); i++)
		if (!strcmp(action, can[i]))
			return 1;
	return 0;
}

/* columns: id, action, target_type, target_id, reason, until_at, created_at,
 * appeal id, appeal note, appeal created, decided_at, decision */
#define MINE_SQL                                                                                   \
	"SELECT m.id, m.action, m.target_type, m.target_id, m.reason, m.until_at, m.created_at, "  \
	"a.id, a.note, a.created_at, a.decided_at, a.decision FROM mod_actions m LEFT JOIN "       \
	"appeals a ON a.action_id = m.id WHERE m.subject_id = ? AND m.action NOT IN ('dismiss', "  \
	"'role') "

static cJSON *mine_json(struct ctx *c, const struct db_res *r, size_t i)
{
	cJSON *o = cJSON_CreateObject();
	int64_t id = db_int(r, i, 0);
	const char *action = db_str(r, i, 1), *type = db_str(r, i, 2);
	cJSON_AddNumberToObject(o, "id", (double)id);
	cJSON_AddStringToObject(o, "url", arena_printf(c->a, "/moderation/%lld", (long long)id));
	cJSON_AddStringToObject(o, "action", action);
	cJSON_AddStringToObject(o, "target_type", type);
	cJSON_AddNumberToObject(o, "target_id", (double)db_int(r, i, 3));
	if (!strcmp(type, "post"))
		cJSON_AddStringToObject(o, "target_url",
					arena_printf(c->a, "/p/%lld", (long long)db_int(r, i, 3)));
	cJSON_AddStringToObject(o, "reason", db_str(r, i, 4));
	if (db_str(r, i, 5)) {
		cJSON_AddStringToObject(o, "until", time_iso(c->a, db_int(r, i, 5)));
		cJSON_AddStringToObject(o, "until_text", time_text(c->a, db_int(r, i, 5)));
	}
	cJSON_AddStringToObject(o, "created_at", time_iso(c->a, db_int(r, i, 6)));
	cJSON_AddStringToObject(o, "created_text", time_text(c->a, db_int(r, i, 6)));
	if (db_str(r, i, 7)) {
		cJSON *ap = cJSON_AddObjectToObject(o, "appeal");
		cJSON_AddNumberToObject(ap, "id", (double)db_int(r, i, 7));
		cJSON_AddStringToObject(ap, "note", db_str(r, i, 8));
		cJSON_AddStringToObject(ap, "created_at", time_iso(c->a, db_int(r, i, 9)));
		cJSON_AddStringToObject(ap, "created_text", time_text(c->a, db_int(r, i, 9)));
		const char *dec = db_str(r, i, 11);
		cJSON_AddStringToObject(ap, "status", dec ? dec : "pending");
		cJSON_AddBoolToObject(ap, "pending", !dec);
		cJSON_AddBoolToObject(ap, "overturned", dec && !strcmp(dec, "overturned"));
		cJSON_AddBoolToObject(ap, "upheld", dec && !strcmp(dec, "upheld"));
	}
	cJSON_AddBoolToObject(o, "can_appeal", appealable(action) && !db_str(r, i, 7));
	return o;
}

int my_actions(struct ctx *c)
{
	struct db_res r;
	if (db_exec(c->app->db, c->a, &r, MINE_SQL "ORDER BY m.id DESC LIMIT ?", "ii", c->me->id,
		    (int64_t)MY_ACTIONS_PAGE) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON *items = cJSON_AddArrayToObject(ctx_data(c), "items");
	for (size_t i = 0; i < r.nrows; i++)
		cJSON_AddItemToArray(items, mine_json(c, &r, i));
	if (!c->api)
		cJSON_AddBoolToObject(ctx_data(c), "empty", r.nrows == 0);
	c->title = "Moderation";
	return 200;
}

/* One action about the viewer into data "action"; 0 or a failed status. */
static int load_mine(struct ctx *c, int64_t id, cJSON **out)
{
	struct db_res r;
	if (db_exec(c->app->db, c->a, &r, MINE_SQL "AND m.id = ?", "ii", c->me->id, id) != DB_OK)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	if (!r.nrows) /* someone else's (or nothing): the same answer */
		return ctx_fail(c, 404, "not_found", "There is no such decision about you.");
	*out = mine_json(c, &r, 0);
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
	struct db_res r;
	int rc = db_exec(c->app->db, c->a, &r,
			 "INSERT INTO appeals (action_id, user_id, note, created_at) "
			 "VALUES (?, ?, ?, ?)",
			 "iisi", (int64_t)id, c->me->id, clean, now_unix());
	if (rc == DB_DUP)
		return ctx_fail(c, 409, "already_appealed",
				"You appealed this decision already; each decision can be appealed "
				"once.");
	if (rc != DB_OK)
		return ctx_fail(c, 503, "unavailable", "Could not save the appeal; try again.");
	cJSON *ap = cJSON_AddObjectToObject(ctx_data(c), "appeal");
	cJSON_AddNumberToObject(ap, "id", (double)r.insert_id);
	cJSON_AddNumberToObject(ap, "action_id", (double)id);
	cJSON_AddStringToObject(ap, "note", clean);
	cJSON_AddStringToObject(ap, "status", "pending");
	return ctx_done(c, 201, arena_printf(c->a, "/moderation/%llu", (unsigned long long)id));
}

/* consent.c - training consent per post (PATCH /api/v1/posts/ID, the form on
 * the post page) and a person's history of choices (GET /api/v1/me/consent).
 * The account-wide choice is part of the profile (profile.c me_update); the
 * rules and the storage are in lib/dataset.c. */
#include "app.h"
#include "apub.h"
#include "dataset.h"
#include "post.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <string.h>

#define HISTORY_PAGE 100

/* What the owner of a post may change. Only training consent so far; a
 * field left NULL is not changed. */
struct post_changes {
	const char *training_consent; /* "inherit", "yes", "no" */
};

/* A member of the JSON body or a form field is there (whatever its type). */
static int param_present(struct ctx *c, const char *name)
{
	if (c->req->json)
		return cJSON_GetObjectItemCaseSensitive(c->req->json, name) != NULL;
	return ctx_param(c, name) != NULL;
}

/* The request into *ch. 0, or the status of ctx_fail (400). */
static int post_changes_parse(struct ctx *c, struct post_changes *ch)
{
	memset(ch, 0, sizeof(*ch));
	if (param_present(c, "training_consent")) {
		const char *v = ctx_param(c, "training_consent");
		if (consent_post_value_ok(v))
			return ctx_fail(c, 400, "bad_training_consent",
					"training_consent must be \"inherit\" (follow your "
					"account's choice), \"yes\" or \"no\".");
		ch->training_consent = v;
	}
	if (!ch->training_consent)
		return ctx_fail(c, 400, "nothing_to_change",
				"Send training_consent (\"inherit\", \"yes\" or \"no\").");
	return 0;
}

/* Apply the changes to post id of the viewer. 0, or the status of ctx_fail
 * (404 for a post that is not theirs, as for one that does not exist). */
static int post_changes_apply(struct ctx *c, int64_t id, const struct post_changes *ch,
			      int *changed)
{
	*changed = 0;
	if (ch->training_consent) {
		int st = consent_post_set(c->app->db, c->a, id, c->me->id, ch->training_consent,
					  now_unix(), changed);
		if (st == 404)
			return ctx_fail(c, 404, "not_found", "There is no such post.");
		if (st)
			return ctx_fail(c, 503, "unavailable",
					"Could not save your choice; try again.");
		if (*changed) /* the Note says its consent: followers elsewhere hear */
			apub_post_updated(c, c->me->id, id);
	}
	return 0;
}

int post_update(struct ctx *c)
{
	struct post_changes ch;
	int st, changed, down;
	if ((st = post_changes_parse(c, &ch)) ||
	    (st = post_changes_apply(c, c->params[0], &ch, &changed)))
		return st;
	cJSON *p = post_load(c->app->db, c->a, c->app->cfg.media_url, c->params[0], &down);
	if (!p || consent_post_json(c->app->db, c->a, c->params[0], p, 0)) {
		cJSON_Delete(p);
		return ctx_fail(c, 503, "unavailable", "Saved, but the post cannot be read now.");
	}
	cJSON_AddItemToObject(ctx_data(c), "post", p);
	cJSON_AddBoolToObject(ctx_data(c), "changed", changed);
	return ctx_done(c, 200, NULL);
}

int post_consent_form(struct ctx *c)
{
	struct post_changes ch;
	int st, changed;
	memset(&ch, 0, sizeof(ch));
	ch.training_consent = ctx_param(c, "training_consent");
	if (consent_post_value_ok(ch.training_consent))
		return ctx_fail(c, 400, "bad_training_consent",
				"Choose one of the three answers about training use.");
	if ((st = post_changes_apply(c, c->params[0], &ch, &changed)))
		return st;
	return ctx_done(c, 200, arena_printf(c->a, "/p/%lld#training", (long long)c->params[0]));
}

int consent_history(struct ctx *c)
{
	uint64_t cursor = 0;
	int cst = ctx_param_u64(c, "cursor", INT64_MAX, &cursor);
	if (cst < 0)
		return ctx_fail(c, 400, "bad_cursor", "The cursor is not an event id.");
	struct consent_state now;
	cJSON *events = NULL;
	int64_t next;
	if (consent_account_get(c->app->db, c->a, c->me->id, &now) ||
	    !(events =
		  consent_history_json(c->app->db, c->a, c->me->id,
				       cst > 0 ? (int64_t)cursor : INT64_MAX, HISTORY_PAGE, &next)))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON *d = ctx_data(c);
	cJSON_AddBoolToObject(d, "current", now.on);
	if (now.event_id)
		cJSON_AddStringToObject(d, "current_at", time_iso(c->a, now.at));
	else
		cJSON_AddNullToObject(d, "current_at");
	cJSON_AddItemToObject(d, "events", events);
	if (next)
		cJSON_AddStringToObject(
		    d, "next",
		    arena_printf(c->a, "/api/v1/me/consent?cursor=%lld", (long long)next));
	return 200;
}

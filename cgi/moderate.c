/* moderate.c - what moderators do: actions on posts, comments and people
 * (POST /api/v1/admin/actions, one target or many), the append-only audit
 * log (/admin/audit) and the users pages with roles and history
 * (/admin/users). The rules, the transactions and the reads are in
 * lib/moderator.c and lib/audit.c; here are the parameters and the answers. */
#include "app.h"
#include "apub.h"
#include "audit.h"
#include "moderator.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* The answer to a refused decision, with the same code and message the
 * person would get for it alone. Returns the status. */
static int decision_failed(struct ctx *c, const struct mod_decision *d, int status)
{
	switch (d->why) {
	case MOD_BAD_TARGET:
		return ctx_fail(c, 400, "bad_action_target",
				arena_printf(c->a, "You cannot %s a %s.", d->kind->name, d->type));
	case MOD_NOT_FOUND:
		return ctx_fail(c, 404, "not_found", "There is nothing like that to act on.");
	case MOD_OWN_CASE:
		return ctx_fail(c, 403, "own_case",
				"Another moderator has to decide about you or what you made.");
	case MOD_NOT_ADMIN:
		return ctx_fail(c, 403, "forbidden",
				"Only an admin can act on a moderator or an admin.");
	case MOD_SUPERSEDED:
		return ctx_fail(c, 409, "superseded",
				"A later decision replaced the one appealed against; uphold this "
				"appeal and act on the later decision instead.");
	case MOD_DB_ROLLED_BACK:
		return ctx_fail(c, 503, "unavailable",
				"The database is not answering; nothing changed.");
	default:
		return ctx_fail(c, status >= 400 ? status : 503, "unavailable",
				"The database is not answering.");
	}
}

/* Check and carry out one decision. Returns 200 or the status of ctx_fail. */
static int decide(struct ctx *c, struct mod_decision *d)
{
	const struct mod_actor me = {c->me->id, c->me->username, c->me->role};
	int st = moderation_act(c->app->db, c->a, c->app->cache, &c->app->cfg, &me, d);
	if (st)
		return decision_failed(c, d, st);
	/* a public post removed: the servers that got it get its Delete */
	if (!strcmp(d->type, "post") && !strcmp(d->kind->name, "remove") && d->prev_state &&
	    !strcmp(d->prev_state, "visible"))
		apub_post_deleted(c, d->subject, d->subject_name, d->id);
	return 200;
}

/* "post:12" (forms) into type and id. 0 or -1. */
static int parse_target(struct ctx *c, const char *s, const char **type, int64_t *id)
{
	const char *colon = s ? strchr(s, ':') : NULL;
	if (!colon)
		return -1;
	char *end;
	long long n = strtoll(colon + 1, &end, 10);
	if (*end || n <= 0 || end == colon + 1)
		return -1;
	*type = arena_strndup(c->a, s, (size_t)(colon - s));
	*id = n;
	return 0;
}

/* The targets of a request: target_type + target_id, or "targets" (a JSON
 * array of {target_type, target_id}, or repeated form fields "target" of
 * "type:id"). Returns the count, or 0 with *st the status of ctx_fail. */
static int collect_targets(struct ctx *c, struct mod_decision *ds, const struct mod_decision *proto,
			   int *st)
{
	int n = 0;
	cJSON *arr =
	    c->req->json ? cJSON_GetObjectItemCaseSensitive(c->req->json, "targets") : NULL;
	if (arr) {
		cJSON *it;
		if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0 ||
		    cJSON_GetArraySize(arr) > MOD_BULK_MAX) {
			*st = ctx_fail(c, 400, "bad_targets",
				       "targets is a list of 1 to 100 {target_type, target_id}.");
			return 0;
		}
		cJSON_ArrayForEach(it, arr)
		{
			const char *t = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(it, "target_type"));
			cJSON *idj = cJSON_GetObjectItemCaseSensitive(it, "target_id");
			double v = cJSON_IsNumber(idj) ? idj->valuedouble : 0;
			if (!mod_target_type_ok(t) || v < 1 || v > 9e15 ||
			    v != (double)(int64_t)v) {
				*st = ctx_fail(c, 400, "bad_targets",
					       "Each target needs a target_type (post, comment, "
					       "user, appeal) and a numeric target_id.");
				return 0;
			}
			ds[n] = *proto;
			ds[n].type = t;
			ds[n++].id = (int64_t)v;
		}
		return n;
	}
	for (size_t i = 0; i < c->req->form.n; i++) {
		if (strcmp(c->req->form.items[i].key, "target"))
			continue;
		if (n == MOD_BULK_MAX) {
			*st = ctx_fail(c, 400, "bad_targets", "At most 100 items at once.");
			return 0;
		}
		ds[n] = *proto;
		if (parse_target(c, c->req->form.items[i].val, &ds[n].type, &ds[n].id) ||
		    !mod_target_type_ok(ds[n].type)) {
			*st = ctx_fail(c, 400, "bad_targets", "A target is \"type:id\".");
			return 0;
		}
		n++;
	}
	if (n)
		return n;
	uint64_t id = 0;
	const char *t = ctx_param(c, "target_type");
	if (!mod_target_type_ok(t)) {
		*st = ctx_fail(c, 400, "bad_target_type",
			       "target_type is post, comment, user or appeal.");
		return 0;
	}
	if (ctx_param_u64(c, "target_id", INT64_MAX, &id) <= 0 || id == 0) {
		*st = ctx_fail(c, 400, "bad_target_id", "Say what you act on: target_id.");
		return 0;
	}
	ds[0] = *proto;
	ds[0].type = t;
	ds[0].id = (int64_t)id;
	return 1;
}

int mod_action(struct ctx *c)
{
	struct mod_decision proto = {0};
	const char *why;
	c->title = "Moderation";
	proto.kind = mod_kind_find(ctx_param(c, "action"));
	if (!proto.kind)
		return ctx_fail(
		    c, 400, "bad_action",
		    "The action is dismiss, hide, remove, restore, label, warn, suspend, "
		    "unsuspend, ban, unban (or uphold / overturn for an appeal).");
	const char *reason = ctx_param(c, "reason");
	if (reason &&
	    text_clean(c->a, reason, strlen(reason), MOD_REASON_CHARS, &proto.reason, &why))
		return ctx_fail(c, 400, "bad_reason", arena_printf(c->a, "Reason: %s", why));
	if (proto.kind->tells && (!proto.reason || !*proto.reason))
		return ctx_fail(c, 400, "missing_reason",
				"Give a reason: the person it is about will read it.");
	uint64_t secs = 0;
	if (!strcmp(proto.kind->name, "suspend") &&
	    (ctx_param_u64(c, "duration", MOD_SUSPEND_MAX, &secs) == 1
		 ? (proto.duration = secs < MOD_SUSPEND_MIN ? -1 : (int64_t)secs)
		 : (proto.duration = mod_parse_duration(ctx_param(c, "duration")))) < 0)
		return ctx_fail(c, 400, "bad_duration",
				"A suspension needs a duration from 1 minute to 365 days, "
				"e.g. 3600, \"90m\", \"12h\", \"7d\" or \"2w\".");
	if (!strcmp(proto.kind->name, "label")) {
		const char *cw = ctx_param(c, "content_warning");
		if (!cw || text_clean(c->a, cw, strlen(cw), MOD_LABEL_CHARS, &proto.label, &why) ||
		    !*proto.label)
			return ctx_fail(c, 400, "bad_content_warning",
					"A label needs a content_warning of 1 to 40 characters.");
	}
	struct mod_decision *ds = arena_zalloc(c->a, MOD_BULK_MAX * sizeof(*ds));
	int st = 0, n = collect_targets(c, ds, &proto, &st);
	if (!n)
		return st;
	const char *back = ctx_local_path(ctx_param(c, "next"));
	if (n == 1) {
		st = decide(c, &ds[0]);
		if (st != 200)
			return st;
		cJSON *a = cJSON_AddObjectToObject(ctx_data(c), "action");
		cJSON_AddNumberToObject(a, "id", (double)ds[0].action_id);
		cJSON_AddStringToObject(a, "action", proto.kind->name);
		cJSON_AddStringToObject(a, "target_type", ds[0].type);
		cJSON_AddNumberToObject(a, "target_id", (double)ds[0].id);
		cJSON_AddStringToObject(a, "subject", ds[0].subject_name);
		return ctx_done(c, 200, back ? back : "/admin");
	}
	/* Bulk: each target is its own decision; one failing does not undo
	 * the others, and the answer says which did what. */
	cJSON *results = cJSON_AddArrayToObject(ctx_data(c), "results");
	int done = 0;
	for (int i = 0; i < n; i++) {
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "target_type", ds[i].type);
		cJSON_AddNumberToObject(r, "target_id", (double)ds[i].id);
		st = decide(c, &ds[i]);
		cJSON_AddNumberToObject(r, "status", st);
		if (st == 200) {
			cJSON_AddNumberToObject(r, "action_id", (double)ds[i].action_id);
			done++;
		} else {
			cJSON_AddStringToObject(r, "error", c->err_code ? c->err_code : "failed");
			cJSON_AddStringToObject(r, "message", c->err_msg ? c->err_msg : "");
			c->err_code = c->err_msg = NULL;
		}
		cJSON_AddItemToArray(results, r);
	}
	cJSON_AddNumberToObject(ctx_data(c), "done", done);
	cJSON_AddNumberToObject(ctx_data(c), "failed", n - done);
	return ctx_done(c, 200, back ? back : "/admin");
}

/* ---- the audit log ----------------------------------------------------- */

static const char *param_or_empty(struct ctx *c, const char *name)
{
	const char *v = ctx_param(c, name);
	return v ? v : "";
}

int audit_show(struct ctx *c)
{
	const char *actor = param_or_empty(c, "actor"), *action = param_or_empty(c, "action");
	const char *type = param_or_empty(c, "target_type"),
		   *subject = param_or_empty(c, "subject");
	uint64_t before = 0;
	int64_t next;
	if (ctx_param_u64(c, "cursor", INT64_MAX, &before) < 0)
		return ctx_fail(c, 400, "bad_cursor", "The cursor is not valid.");
	if (strlen(actor) > 32 || strlen(action) > 16 || strlen(type) > 16 || strlen(subject) > 32)
		return ctx_fail(c, 400, "bad_filter", "A filter value is too long.");
	cJSON *items = cJSON_CreateArray();
	if (audit_list(c->app->db, c->a, actor, action, type, subject, (int64_t)before, items,
		       &next)) {
		cJSON_Delete(items);
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	}
	cJSON_AddItemToObject(ctx_data(c), "items", items);
	if (next) {
		cJSON_AddNumberToObject(ctx_data(c), "next_cursor", (double)next);
		cJSON_AddStringToObject(
		    ctx_data(c), "more_url",
		    arena_printf(c->a,
				 "/admin/audit?actor=%s&action=%s&target_type=%s&subject=%s&"
				 "cursor=%lld",
				 url_encode(c->a, actor), url_encode(c->a, action),
				 url_encode(c->a, type), url_encode(c->a, subject),
				 (long long)next));
	}
	cJSON *f = cJSON_AddObjectToObject(ctx_data(c), "filter");
	cJSON_AddStringToObject(f, "actor", actor);
	cJSON_AddStringToObject(f, "action", action);
	cJSON_AddStringToObject(f, "target_type", type);
	cJSON_AddStringToObject(f, "subject", subject);
	if (!c->api)
		cJSON_AddBoolToObject(ctx_data(c), "empty", cJSON_GetArraySize(items) == 0);
	c->title = "Audit log";
	return 200;
}

/* ---- users ------------------------------------------------------------- */

int admin_users_list(struct ctx *c)
{
	const char *q = param_or_empty(c, "q"), *role = param_or_empty(c, "role");
	const char *status = param_or_empty(c, "status");
	uint64_t before = 0;
	int64_t next;
	if (ctx_param_u64(c, "cursor", INT64_MAX, &before) < 0)
		return ctx_fail(c, 400, "bad_cursor", "The cursor is not valid.");
	if (strlen(q) > 32)
		return ctx_fail(c, 400, "bad_query", "Search by up to 32 characters of a name.");
	if (*role && !mod_role_known(role))
		return ctx_fail(c, 400, "bad_role", "role is user, moderator or admin.");
	if (*status && strcmp(status, "active") && strcmp(status, "suspended") &&
	    strcmp(status, "banned"))
		return ctx_fail(c, 400, "bad_status", "status is active, suspended or banned.");
	cJSON *items = cJSON_CreateArray();
	if (audit_users(c->app->db, c->a, q, role, status, (int64_t)before, items, &next)) {
		cJSON_Delete(items);
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	}
	cJSON_AddItemToObject(ctx_data(c), "users", items);
	if (next) {
		cJSON_AddNumberToObject(ctx_data(c), "next_cursor", (double)next);
		cJSON_AddStringToObject(
		    ctx_data(c), "more_url",
		    arena_printf(c->a, "/admin/users?q=%s&role=%s&status=%s&cursor=%lld",
				 url_encode(c->a, q), url_encode(c->a, role),
				 url_encode(c->a, status), (long long)next));
	}
	cJSON *f = cJSON_AddObjectToObject(ctx_data(c), "filter");
	cJSON_AddStringToObject(f, "q", q);
	cJSON_AddStringToObject(f, "role", role);
	cJSON_AddStringToObject(f, "status", status);
	if (!c->api) {
		cJSON_AddBoolToObject(ctx_data(c), "empty", cJSON_GetArraySize(items) == 0);
		cJSON_AddBoolToObject(f, "role_user", !strcmp(role, "user"));
		cJSON_AddBoolToObject(f, "role_moderator", !strcmp(role, "moderator"));
		cJSON_AddBoolToObject(f, "role_admin", !strcmp(role, "admin"));
		cJSON_AddBoolToObject(f, "status_active", !strcmp(status, "active"));
		cJSON_AddBoolToObject(f, "status_suspended", !strcmp(status, "suspended"));
		cJSON_AddBoolToObject(f, "status_banned", !strcmp(status, "banned"));
	}
	c->title = "Users";
	return 200;
}

int admin_user_show(struct ctx *c)
{
	int st;
	cJSON *u = audit_user(c->app->db, c->a, c->sparams[0], &st);
	if (!u && st == 404)
		return ctx_fail(c, 404, "not_found", "There is nobody by that name.");
	if (!u)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON_AddItemToObject(ctx_data(c), "user", u);
	if (!c->api) {
		int64_t id =
		    (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(u, "id"));
		const char *role =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(u, "role"));
		cJSON_AddBoolToObject(ctx_data(c), "can_change_role",
				      !strcmp(c->me->role, "admin") && id != c->me->id);
		cJSON_AddBoolToObject(u, "is_user", !strcmp(role, "user"));
		cJSON_AddBoolToObject(u, "is_moderator", !strcmp(role, "moderator"));
		cJSON_AddBoolToObject(u, "is_admin", !strcmp(role, "admin"));
		cJSON_AddBoolToObject(ctx_data(c), "can_act",
				      id != c->me->id &&
					  (!strcmp(role, "user") || !strcmp(c->me->role, "admin")));
		cJSON_AddBoolToObject(
		    u, "no_history",
		    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(u, "history")) == 0);
	}
	c->title = arena_printf(c->a, "@%s · users", c->sparams[0]);
	return 200;
}

int admin_user_update(struct ctx *c)
{
	const char *role = ctx_param(c, "role"), *old;
	const struct mod_actor me = {c->me->id, c->me->username, c->me->role};
	enum mod_why why;
	c->title = "Users";
	if (!moderation_set_role(c->app->db, c->a, c->app->cache, &me, c->sparams[0], role,
				 ctx_param(c, "reason"), &old, &why)) {
		cJSON *u = cJSON_AddObjectToObject(ctx_data(c), "user");
		cJSON_AddStringToObject(u, "username", c->sparams[0]);
		cJSON_AddStringToObject(u, "role", role);
		cJSON_AddStringToObject(u, "previous_role", old);
		return ctx_done(c, 200, arena_printf(c->a, "/admin/users/%s", c->sparams[0]));
	}
	switch (why) {
	case MOD_NOT_ADMIN:
		return ctx_fail(c, 403, "forbidden", "Only an admin changes roles.");
	case MOD_BAD_ROLE:
		return ctx_fail(c, 400, "bad_role", "role is user, moderator or admin.");
	case MOD_NO_REASON:
		return ctx_fail(c, 400, "missing_reason", "Say why the role changes (a reason).");
	case MOD_NOT_FOUND:
		return ctx_fail(c, 404, "not_found", "There is nobody by that name.");
	case MOD_OWN_ROLE:
		return ctx_fail(c, 400, "own_role",
				"Another admin has to change your role (so the site always keeps "
				"one).");
	case MOD_SAME_ROLE:
		return ctx_fail(c, 409, "same_role",
				arena_printf(c->a, "@%s is %s already.", c->sparams[0], role));
	case MOD_LAST_ADMIN:
		return ctx_fail(c, 409, "last_admin", "The site needs at least one admin.");
	case MOD_REMOTE_ROLE:
		return ctx_fail(c, 409, "remote_account",
				arena_printf(c->a,
					     "@%s is a person of another server: only people who "
					     "signed up here can be moderators or admins.",
					     c->sparams[0]));
	default:
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	}
}

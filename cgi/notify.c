/* notify.c - /notifications and the notifications API (lib/social.c's
 * notifications); the unread count in the header is unread_count()
 * (profile_util.c, cached briefly per person). */
#include "app.h"
#include "cache.h"
#include "feedview.h"
#include "social.h"
#include "util.h"

#include <cjson/cJSON.h>

#define NOTIFY_PAGE 30

int notifications_show(struct ctx *c)
{
	int64_t before;
	int st;
	if ((st = feed_id_cursor(c, &before)))
		return st;
	int64_t next;
	cJSON *items = social_notifications(c->app->db, c->a, c->app->cfg.media_url, c->me->id,
					    before, NOTIFY_PAGE, &next);
	if (!items)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	cJSON *d = ctx_data(c);
	cJSON_AddItemToObject(d, "items", items);
	if (next)
		cJSON_AddStringToObject(d, "next", arena_printf(c->a, "%lld", (long long)next));
	else
		cJSON_AddNullToObject(d, "next");
	/* Opening the page reads what it shows: the notices keep their "new"
	 * marks on this view, and the header (drawn after this) loses its
	 * badge. Only up to the newest one shown, so one written meanwhile
	 * stays unread. The API leaves that to POST /notifications/read. */
	cJSON *first = cJSON_GetArrayItem(items, 0);
	if (!c->api && !before && first) {
		int64_t newest = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(first, "id"));
		if (social_mark_read(c->app->db, c->a, c->me->id, newest) == 0)
			cache_delete(c->app->cache, social_unread_key(c->a, c->me->id));
	}
	cJSON_AddNumberToObject(d, "unread", (double)social_unread(c->app->db, c->a, c->me->id));
	if (!c->api) {
		cJSON_AddBoolToObject(d, "empty", cJSON_GetArraySize(items) == 0);
		if (next)
			cJSON_AddStringToObject(
			    d, "more_url",
			    arena_printf(c->a, "/notifications?cursor=%lld", (long long)next));
	}
	c->title = "Notifications";
	return 200;
}

int notifications_read(struct ctx *c)
{
	uint64_t up_to = 0;
	if (ctx_param_u64(c, "up_to", INT64_MAX, &up_to) < 0)
		return ctx_fail(c, 400, "bad_up_to", "up_to must be a notification id.");
	if (social_mark_read(c->app->db, c->a, c->me->id, (int64_t)up_to))
		return ctx_fail(c, 503, "unavailable", "Could not save that; try again.");
	cache_delete(c->app->cache, social_unread_key(c->a, c->me->id));
	if (c->api)
		cJSON_AddNumberToObject(ctx_data(c), "unread",
					(double)social_unread(c->app->db, c->a, c->me->id));
	return ctx_done(c, 200, "/notifications");
}

/* feed_util.c - feed tabs and signed cursors. */
#include "app.h"
#include "auth.h"
#include "feedview.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <string.h>

void feed_tabs(struct ctx *c, const char *current)
{
	if (c->api)
		return;
	static const char *const tabs[][3] = {
	    {"latest", "Latest", "/"},
	    {"foryou", "For you", "/foryou"},
	    {"following", "Following", "/following"},
	    {"top", "Top", "/top"},
	};
	cJSON *arr = cJSON_AddArrayToObject(ctx_data(c), "tabs");
	for (size_t i = 0; i < ARRAY_LEN(tabs); i++) {
		if (!c->me && (!strcmp(tabs[i][0], "foryou") || !strcmp(tabs[i][0], "following")))
			continue;
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "label", tabs[i][1]);
		cJSON_AddStringToObject(t, "url", tabs[i][2]);
		cJSON_AddBoolToObject(t, "current", !strcmp(tabs[i][0], current));
		cJSON_AddItemToArray(arr, t);
	}
	cJSON_AddStringToObject(ctx_data(c), "feed_kind", current);
}

/* base64url(payload) "." first 16 chars of MAC(secret, payload) */
char *cursor_make(struct ctx *c, const char *payload)
{
	size_t n = strlen(payload);
	size_t b64len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *b64 = arena_alloc(c->a, b64len);
	sodium_bin2base64(b64, b64len, (const unsigned char *)payload, n,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char mac[AUTH_TOKEN_LEN + 1];
	auth_mac(c->app->cfg.site_secret, payload, mac);
	mac[16] = '\0';
	return arena_printf(c->a, "%s.%s", b64, mac);
}

const char *cursor_open(struct ctx *c, const char *cursor)
{
	const char *dot = strchr(cursor, '.');
	size_t blen = dot ? (size_t)(dot - cursor) : 0;
	if (!dot || blen == 0 || blen > 400 || strlen(dot + 1) != 16)
		return NULL;
	unsigned char *bin = arena_alloc(c->a, blen + 1);
	size_t n = 0;
	if (sodium_base642bin(bin, blen, cursor, blen, NULL, &n, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING))
		return NULL;
	bin[n] = '\0';
	if (memchr(bin, '\0', n))
		return NULL;
	char mac[AUTH_TOKEN_LEN + 1];
	auth_mac(c->app->cfg.site_secret, (const char *)bin, mac);
	mac[16] = '\0';
	return auth_str_equal(mac, dot + 1) ? (const char *)bin : NULL;
}

/* cachekey.c - the memcached key formats shared across modules. */
#include "cachekey.h"
#include "auth.h"

#include <sodium.h>
#include <string.h>

char *cachekey_session(struct arena *a, const char *hash_hex)
{
	return arena_printf(a, CACHEKEY_SESSION_PREFIX "%s", hash_hex);
}

char *cachekey_session_token(struct arena *a, const char *token)
{
	unsigned char h[AUTH_HASH_LEN];
	char hex[2 * AUTH_HASH_LEN + 1];
	auth_token_hash(token, h);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	return cachekey_session(a, hex);
}

char *cachekey_session_pages(struct arena *a, const char *hash_hex)
{
	return arena_printf(a, CACHEKEY_PAGES_PREFIX "%s:", hash_hex);
}

char *cachekey_session_bodies(struct arena *a, const char *hash_hex)
{
	return arena_printf(a, CACHEKEY_PAGE_BODY_PREFIX "%.*s", CACHEKEY_BODY_SESSION_HEX,
			    hash_hex);
}

char *cachekey_page_lease(struct arena *a, const char *page_key)
{
	return arena_printf(a, CACHEKEY_PAGE_LEASE_PREFIX "%s",
			    page_key + strlen(CACHEKEY_PAGES_PREFIX));
}

char *cachekey_user_version(struct arena *a, int64_t user_id)
{
	return arena_printf(a, "imagier:v:user:%lld", (long long)user_id);
}

char *cachekey_written_pos(struct arena *a, int64_t user_id)
{
	return arena_printf(a, "imagier:wpos:%lld", (long long)user_id);
}

char *cachekey_post(struct arena *a, int64_t post_id)
{
	return arena_printf(a, "imagier:post:%lld", (long long)post_id);
}

char *cachekey_follows_version(struct arena *a, int64_t user_id)
{
	return arena_printf(a, "imagier:v:follows:%lld", (long long)user_id);
}

char *cachekey_foryou_version(struct arena *a, int64_t user_id)
{
	return arena_printf(a, "imagier:v:foryou:%lld", (long long)user_id);
}

char *cachekey_first_ids(struct arena *a, const char *feed, int64_t user_id)
{
	return arena_printf(a, "imagier:fp2:%s:%lld", feed, (long long)user_id);
}

char *cachekey_filters(struct arena *a, int64_t user_id)
{
	return arena_printf(a, "imagier:myfilters:%lld", (long long)user_id);
}

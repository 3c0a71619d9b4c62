/* cachekey.c - memcached keys shared by lib/ modules (see cachekey.h). */
#include "cachekey.h"

char *cachekey_post(struct arena *a, int64_t post_id)
{
	return arena_printf(a, "imagier:post:%lld", (long long)post_id);
}

char *cachekey_session(struct arena *a, const char *hash_hex)
{
	return arena_printf(a, "imagier:sess:%s", hash_hex);
}

char *cachekey_user_version(struct arena *a, int64_t user_id)
{
	return arena_printf(a, "imagier:v:user:%lld", (long long)user_id);
}

/* wordfilter.c - the site's word filter list (wordfilter.h). */
#include "wordfilter.h"
#include "cache.h"
#include "db.h"
#include "log.h"
#include "textnorm.h"
#include "util.h"

#include <string.h>

struct textnorm_list *wordfilter_compile(struct arena *a, const char *words, const char **why)
{
	return textnorm_list_parse_forms(a, words, why);
}

int wordfilter_refresh(struct db *db, struct cache *cache, struct arena *a, struct arena *keep,
		       struct textnorm_list **list, uint64_t *version, int64_t *loaded_at)
{
	uint64_t v = cache_version(cache, WORDFILTER_VERSION_KEY);
	/* Without memcached, re-read at most every 30 s. */
	if (*list && (v ? v == *version : now_unix() - *loaded_at < 30))
		return 0;
	struct db_res r;
	if (db_read(db, a, &r, "SELECT list FROM word_filters WHERE id = 1", "") != DB_OK)
		return *list ? 0 : -1;
	const char *why;
	arena_free(keep);
	arena_init(keep);
	*list = wordfilter_compile(keep, r.nrows ? db_str(&r, 0, 0) : "", &why);
	if (!*list)
		log_error("word filter: the stored list does not parse: %s", why);
	*version = v;
	*loaded_at = now_unix();
	return 0;
}

const char *wordfilter_hit(struct arena *a, const struct textnorm_list *list, const char *text)
{
	if (!text || !*text || !list || textnorm_list_count(list) == 0)
		return NULL;
	return textnorm_match(list, textnorm_fold(a, text, strlen(text)));
}

int wordfilter_load(struct db *db, struct arena *a, const char **words, size_t *count,
		    const char **updated_by)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT w.list, w.updated_at, u.username FROM word_filters w "
		    "LEFT JOIN users u ON u.id = w.updated_by WHERE w.id = 1",
		    "") != DB_OK)
		return -1;
	*words = r.nrows ? db_str(&r, 0, 0) : "";
	*updated_by = r.nrows ? db_str(&r, 0, 2) : NULL;
	struct arena tmp;
	arena_init(&tmp);
	const char *why;
	struct textnorm_list *l = wordfilter_compile(&tmp, *words, &why);
	*count = l ? textnorm_list_count(l) : 0;
	arena_free(&tmp);
	return 0;
}

int wordfilter_save(struct db *db, struct cache *cache, struct arena *a, const char *words,
		    int64_t user_id, size_t *count, const char **why)
{
	struct arena tmp;
	arena_init(&tmp);
	const char *reason;
	struct textnorm_list *l = wordfilter_compile(&tmp, words, &reason);
	*count = l ? textnorm_list_count(l) : 0;
	/* The reason may live in tmp: copy it out before tmp goes. */
	*why = l ? NULL : arena_strdup(a, reason);
	arena_free(&tmp);
	if (!l)
		return 400;
	if (db_exec(db, a, NULL,
		    "UPDATE word_filters SET list = ?, updated_at = ?, updated_by = ? WHERE id = 1",
		    "sii", words, now_unix(), user_id) != DB_OK)
		return 503;
	cache_bump(cache, WORDFILTER_VERSION_KEY);
	return 0;
}

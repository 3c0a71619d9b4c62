/* wordfilter.h - the site's word filter: one list moderators edit (stored in
 * word_filters, compiled by textnorm), applied to text people submit. */
#ifndef IMAGIER_WORDFILTER_H
#define IMAGIER_WORDFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct cache;
struct db;
struct textnorm_list;

/* Bumped when a moderator saves a new list: every worker recompiles. */
#define WORDFILTER_VERSION_KEY "imagier:v:filters"

/* The list text (one entry a line, textnorm.h) compiled as the filter uses
 * it: each entry also catches its plurals and possessives ("casino" catches
 * "casinos" and "casino's"), and text is folded with Unicode compatibility
 * forms ("ⅽasino" with U+217D is "casino"). NULL with *why when it does not
 * parse. */
struct textnorm_list *wordfilter_compile(struct arena *a, const char *words, const char **why);

/* Make sure a worker's compiled copy of the list is current: *list lives in
 * keep (an arena that outlives requests), *version and *loaded_at tell when
 * it was read. It is rebuilt when the version moved or, without memcached,
 * after 30 s. 0, or -1 (the database is down and there is no copy yet; an
 * older copy stays in force). */
int wordfilter_refresh(struct db *db, struct cache *cache, struct arena *a, struct arena *keep,
		       struct textnorm_list **list, uint64_t *version, int64_t *loaded_at);
/* The entry of list that text contains, or NULL (no list, an empty one,
 * empty text, or no match). */
const char *wordfilter_hit(struct arena *a, const struct textnorm_list *list, const char *text);

/* The stored list for its page: *words ("" when none), *count of entries,
 * *updated_by (a username, or NULL). 0 or -1 (db). */
int wordfilter_load(struct db *db, struct arena *a, const char **words, size_t *count,
		    const char **updated_by);
/* Save words (valid UTF-8) as the list, by user_id, and tell every worker.
 * 0 with *count, 400 with *why (it does not parse), or 503. */
int wordfilter_save(struct db *db, struct cache *cache, struct arena *a, const char *words,
		    int64_t user_id, size_t *count, const char **why);

#endif

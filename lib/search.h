/* search.h - search posts (prompt, caption, tags: MariaDB FULLTEXT) and
 * people (name prefix). */
#ifndef IMAGIER_SEARCH_H
#define IMAGIER_SEARCH_H

#include <stdint.h>

#include "arena.h"

struct cJSON;
struct db;
struct feed_page;

#define SEARCH_MAX_CHARS 200

/* LIKE pattern for a name prefix: %, _ and \ are taken literally. */
char *search_like_prefix(struct arena *a, const char *q);

/* The words of q as a boolean-mode query that requires every word:
 * "+sunset +sea". Only letters, digits, _ and non-ASCII bytes make words
 * (InnoDB's parser chokes on some punctuation, and operators typed by a
 * person must stay text); words under 3 bytes are below InnoDB's token size
 * and are left out. Requiring all words keeps the hit list (and its sort)
 * small on a big site. NULL when no word is left. */
char *search_fulltext_words(struct arena *a, const char *q);

/* The posts matching q (cleaned text), newest first with id < before (0:
 * from the top): a page of FEED_PAGE ids, "matches your search", with
 * next_id set when there are more. 0 or -1 (database). */
int search_posts(struct db *db, struct arena *a, const char *q, int64_t before,
		 struct feed_page *pg);

/* The people whose name starts with q, most followed first (10 at most), as
 * [{"username","url","follower_count","post_count"}], or NULL (database). */
struct cJSON *search_people(struct db *db, struct arena *a, const char *q);

#endif

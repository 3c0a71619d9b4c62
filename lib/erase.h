/* erase.h - deleting an account and everything of it, as the settings page
 * (after the password) and `imagier delete-user` (an admin) both do it. */
#ifndef IMAGIER_ERASE_H
#define IMAGIER_ERASE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct cache;
struct config;
struct db;

/* What went after the rows (for the log and the CLI). */
struct erase_stats {
	size_t files;	  /* media files of images nobody else uses */
	long cached_keys; /* memcached keys found by listing (-1: a server could not be listed) */
};

/* Erase account user_id: in one transaction, posts, comments, likes,
 * follows, sessions, notifications, reports, consent history, exports, the
 * images nobody else uses; others' counters are corrected, others' replies
 * to their comments move to the top level, others' remixes stay ("parent
 * deleted"); the audit log keeps its rows with the person erased (no row is
 * added). Then their files and every cached copy (sessions, their pages,
 * their posts, any per-person key). Returns 0 (st filled when not NULL),
 * 404 (no such account), 409 (the only admin may not leave: nothing done),
 * 503 (the database failed: nothing was deleted). */
int erase_account(struct db *db, struct cache *cache, struct arena *a, const struct config *cfg,
		  int64_t user_id, struct erase_stats *st);

#endif

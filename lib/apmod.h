/* apmod.h - moderating federation (docs/FEDERATION.md "Moderation"):
 * defederated hosts (ap_domain_blocks). A block names a host, or a host
 * and port; it covers that host on every port (or that port only) and
 * every subdomain of it, as Mastodon's domain blocks do. While it lasts
 * the inbox refuses the host's activities (403, before any key is
 * fetched), nothing is queued or sent to it, and its people's posts,
 * comments and likes here are hidden; an unblock restores exactly what the
 * block hid (ap_domain_hidden). Both are audited (mod_actions, target_type
 * 'domain'). */
#ifndef IMAGIER_APMOD_H
#define IMAGIER_APMOD_H

#include <stdint.h>

#include "arena.h"

struct cache;
struct cJSON;
struct db;
struct mod_actor;

#define APMOD_MAX_DOMAIN   255
#define APMOD_REASON_CHARS 400
#define APMOD_LIST_MAX	   1000 /* blocks listed at once */

/* s as a block names it: trimmed, lower case, "host" or "host:port"
 * (letters, digits, "-", "." in the host; [v6] allowed; a port of 1 to
 * 65535); a URL "http(s)://host[:port]/..." is read for its host. An
 * arena string, or NULL when it is none of those. */
const char *apmod_domain_clean(struct arena *a, const char *s);

/* 1 when block (cleaned) covers hostport ("host[:port]", any case): the
 * same host (and port, when the block names one), or a subdomain. Pure. */
int apmod_host_matches(const char *block, const char *hostport);

/* 1 when hostport is defederated, 0 when not, -1 (database). */
int apmod_blocked(struct db *db, struct arena *a, const char *hostport);

/* 1 when remote person user_id is banned or suspended (their activities
 * are ignored), 0 when not, -1 (database). */
int apmod_user_silenced(struct db *db, struct arena *a, int64_t user_id);

/* What a block hid or an unblock restored. */
struct apmod_counts {
	int64_t posts, comments, likes, deliveries, people;
};

/* Block domain (cleaned) with reason, by me: one transaction with its
 * audit row. 0 with *n, 409 (blocked already), 503. After the commit the
 * caches of the posts it touched are dropped and their files withheld. */
int apmod_block(struct db *db, struct arena *a, struct cache *cache, const char *media_dir,
		const struct mod_actor *me, const char *domain, const char *reason,
		struct apmod_counts *n);

/* The reverse: 0 with *n, 404 (not blocked), 503. */
int apmod_unblock(struct db *db, struct arena *a, struct cache *cache, const char *media_dir,
		  const struct mod_actor *me, const char *domain, const char *reason,
		  struct apmod_counts *n);

/* The blocks, newest first, as {domain, reason, created_by, created_at,
 * people} appended to items. 0 or -1. */
int apmod_list(struct db *db, struct arena *a, struct cJSON *items);

#endif

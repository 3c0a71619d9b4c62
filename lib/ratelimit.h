/* ratelimit.h - per-account and per-address limits on what people do.
 *
 * Each rate-limited route names a class ("post", "generate", "comment",
 * "like", "report", "follow", "avatar", "login", "signup", and "inbox": the
 * ActivityPub inboxes, whose "address" is the signing key's host). A class has a limit per
 * account and one per address ([limits] in imagier.conf; 0 turns one off),
 * each over a sliding window (ratelimit_math.h) counted in memcached under
 * imagier:rl:<class>:<u|a>:<id or address>:<window number>. One check costs
 * one multi-get (both windows of both subjects) and, when the request is let
 * through, one increment per subject (not waited for when the multi-get saw
 * the counter: cache_incr_quiet). Refused requests are not counted, so
 * Retry-After is right for a client that obeys it.
 *
 * - Accounts younger than new_account_hours get their per-account limits
 *   divided by new_account_divisor.
 * - Moderators and admins are not limited at all (neither their account nor
 *   their address: they must be able to act when a flood comes from the
 *   network they sit on), and their requests do not count.
 * - Anonymous requests (login, signup) only have the address; IPv6 addresses
 *   count by their /64.
 * - Without memcached, "login" and "signup" are counted in MariaDB
 *   (rate_limits, the same two windows) so that making memcached fail does
 *   not lift them; the other classes are let through (a cache outage must
 *   not stop people from liking, and those limits only guard against abuse,
 *   not against guessing passwords or mass account creation). */
#ifndef IMAGIER_RATELIMIT_H
#define IMAGIER_RATELIMIT_H

#include <stdint.h>

#include "arena.h"

struct cache;
struct config;
struct db;

/* Who acts. */
struct ratelimit_who {
	int64_t user_id;    /* 0: anonymous */
	int64_t created_at; /* the account's (the new-account rule) */
	int exempt;	    /* a moderator or an admin */
	const char *addr;   /* the remote address */
	int no_address;	    /* counted by account only (a person of another server:
			       their server's address is not theirs) */
};

/* What was refused, for the message and Retry-After. */
struct ratelimit_refusal {
	int by_address; /* the address's limit, else the account's */
	int young;	/* the new-account rule lowered the limit */
	int64_t limit;
	int64_t retry;	    /* seconds until one more would fit */
	const char *period; /* the window for people: "hour" */
	const char *what;   /* what is counted, by the limit: "post", "posts" */
};

/* Count one event of class klass for who. 0: let through (and counted; an
 * unknown class is logged and let through), or 429 with *no filled (not
 * counted). */
int ratelimit_take(struct cache *cache, struct db *db, struct arena *a, const struct config *cfg,
		   const char *klass, const struct ratelimit_who *who,
		   struct ratelimit_refusal *no);

#endif

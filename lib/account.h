/* account.h - accounts: signing up, logging in (with its failure limits),
 * checking a password, finding a person by name. Sessions are in session.h,
 * erasing an account in erase.h. */
#ifndef IMAGIER_ACCOUNT_H
#define IMAGIER_ACCOUNT_H

#include <stdint.h>

#include "arena.h"

struct cache;
struct db;

#define ACCOUNT_LOGIN_WINDOW 900 /* seconds: failed logins count per 15 minutes */

/* Who logged in (strings in the arena). */
struct account_who {
	int64_t id;
	const char *username, *role;
	const char *password_hash; /* as verified: session_open opens only while it holds */
};

/* Create the account name with password (hashed here) and role ("user",
 * "admin"); the rules of auth_username_problem / auth_password_problem are
 * the caller's to check first. 0 with *id, 409 (the name is taken), 503. */
int account_insert(struct db *db, struct arena *a, const char *name, const char *password,
		   const char *role, int64_t *id);

/* Log in name with password from address addr. Failed attempts count per
 * name and per address in a fixed window: limit per name, 5 x limit per
 * address. Unknown names take as long as known ones. Returns 0 with *who,
 * 401 (wrong name or password: the failure is counted), 403 (banned:
 * *ban_reason is the latest ban's reason, "" for none; only the right
 * password learns it), 429 (too many failures), 503. */
int account_login(struct db *db, struct arena *a, const char *name, const char *password,
		  const char *addr, int limit, struct account_who *who, const char **ban_reason);

/* The failure counter key of a name (erasing an account clears it). */
char *account_login_key(struct arena *a, const char *name);

/* Is password the one of account id? 0 yes, 403 no, 404 (no such
 * account), 503. */
int account_password_check(struct db *db, struct arena *a, int64_t id, const char *password);

/* Change account id's password from current to new_password (the rules
 * of auth_password_problem are the caller's to check first) and end every
 * session of it but keep's (the session that asked; NULL: all), in one
 * transaction; then every cached copy of those sessions says they ended.
 * A wrong current password counts as a failed login of the account and of
 * address addr, and the login lockout (limit, as account_login) refuses
 * the attempt before any check. 0 with *ended (sessions ended), 403 (wrong
 * current password), 404, 429, 503. */
int account_password_change(struct db *db, struct cache *cache, struct arena *a, int64_t id,
			    const char *current, const char *new_password, const char *addr,
			    int limit, const char *keep, int64_t *ended);

/* The id of the account called exactly name (byte for byte, not the
 * database's case- and accent-blind comparison). 0 with *id, 404, 503. */
int account_find(struct db *db, struct arena *a, const char *name, int64_t *id);

#endif

/* audit.h - the append-only audit log of moderation (mod_actions) and what
 * is read from it: the audit page, the users pages with each person's
 * history, and what a person sees of the decisions about them, with their
 * one appeal per decision. */
#ifndef IMAGIER_AUDIT_H
#define IMAGIER_AUDIT_H

#include <stdint.h>

#include "arena.h"

struct cJSON;
struct db;
struct mod_actor;

#define AUDIT_PAGE	  50
#define AUDIT_USERS_PAGE  50
#define AUDIT_HISTORY	  100 /* a person's newest actions on their users page */
#define APPEAL_NOTE_CHARS 1000
#define AUDIT_MINE_PAGE	  50

/* Record an action (actor: NULL for the automatic filter). Returns the new
 * id, or -1. Runs inside the caller's transaction. */
int64_t mod_log(struct db *db, struct arena *a, const struct mod_actor *actor, const char *action,
		const char *target_type, int64_t target_id, int64_t subject_id, const char *reason,
		const char *detail, int64_t until_at);

/* The audit page: actions with id < before (0 = newest), newest first,
 * filtered by the actor's and subject's names, the action and the target
 * type ("" = any), as objects appended to items; *next is the cursor of the
 * following page, or 0. 0, or -1 (database). */
int audit_list(struct db *db, struct arena *a, const char *actor, const char *action,
	       const char *target_type, const char *subject, int64_t before, struct cJSON *items,
	       int64_t *next);

/* The users page: people with id < before (0 = newest) whose name starts
 * with q, of role and status (active, suspended, banned; "" = any), as
 * objects appended to items; *next as above. 0 or -1. */
int audit_users(struct db *db, struct arena *a, const char *q, const char *role, const char *status,
		int64_t before, struct cJSON *items, int64_t *next);

/* One person for their users page: {"id", "username", "role", "status",
 * ..., "history": [their newest actions], "open_reports"} (open_reports left
 * out when it cannot be counted). NULL with *status 404 or 503. */
struct cJSON *audit_user(struct db *db, struct arena *a, const char *username, int *status);

/* The decisions about user_id that they see (not dismissals or role
 * changes), newest first, each with its appeal and whether it can be
 * appealed ("can_appeal"). NULL (database). */
struct cJSON *audit_mine(struct db *db, struct arena *a, int64_t user_id);
/* One of them. NULL with *status 404 (not about user_id, or none) or 503. */
struct cJSON *audit_mine_one(struct db *db, struct arena *a, int64_t user_id, int64_t action_id,
			     int *status);

/* Appeal decision action_id (one about user_id that can be appealed: check
 * with audit_mine_one first) with the cleaned note. 0 with *id, 409
 * (appealed already), 503. */
int audit_appeal(struct db *db, struct arena *a, int64_t user_id, int64_t action_id,
		 const char *note, int64_t *id);

#endif

/* moderator.h - what moderators and admins do: actions on posts, comments,
 * people and appeals, and role changes. Each is one transaction: the state
 * change, the reports it resolves, its audit row (lib/audit.h) and the
 * notice to the person; after the commit the cached copies go and the
 * automatic filters learn. The web pages (cgi/moderate.c) and the admin CLI
 * (cgi/cli_admin.c) both act through here. */
#ifndef IMAGIER_MODERATOR_H
#define IMAGIER_MODERATOR_H

#include <stdint.h>

#include "arena.h"

struct cache;
struct config;
struct db;

#define MOD_REASON_CHARS 1000
#define MOD_BULK_MAX	 100 /* targets of one request */
#define MOD_SUSPEND_MIN	 60
#define MOD_SUSPEND_MAX	 (365 * 86400)
#define MOD_LABEL_CHARS	 40 /* a label's content warning */

/* What an action may be applied to. */
enum { MOD_ON_CONTENT = 1, MOD_ON_USER = 2, MOD_ON_APPEAL = 4, MOD_ON_POST_ONLY = 8 };

struct mod_kind {
	const char *name; /* dismiss, hide, remove, restore, label, warn, suspend, ... */
	unsigned on;	  /* MOD_ON_* */
	int tells;	  /* the person it is about is told why: a reason is required */
};

/* The action called name, or NULL. */
const struct mod_kind *mod_kind_find(const char *name);
/* 1 for the target types: post, comment, user, appeal. */
int mod_target_type_ok(const char *type);
/* "3600", "90m", "12h", "7d", "2w" in seconds, from MOD_SUSPEND_MIN to
 * MOD_SUSPEND_MAX; -1 when it is none of those. */
int64_t mod_parse_duration(const char *s);
/* 1 for the roles: user, moderator, admin. */
int mod_role_known(const char *role);

/* Who acts: a moderator or an admin (the audit row names them). */
struct mod_actor {
	int64_t id;
	const char *name;
	const char *role;
};

/* Why an action or a role change did not happen (the status says how bad). */
enum mod_why {
	MOD_DONE = 0,
	MOD_BAD_TARGET,	    /* 400: the action does not apply to that kind of target */
	MOD_NOT_FOUND,	    /* 404 */
	MOD_OWN_CASE,	    /* 403: about the actor or what they made */
	MOD_NOT_ADMIN,	    /* 403: only an admin may (act on a moderator or admin, change roles) */
	MOD_SUPERSEDED,	    /* 409: a later decision replaced the one appealed against */
	MOD_DB_DOWN,	    /* 503: nothing started, or the commit failed */
	MOD_DB_ROLLED_BACK, /* 503: failed midway; nothing changed */
	MOD_BAD_ROLE,	    /* 400 */
	MOD_NO_REASON,	    /* 400 */
	MOD_OWN_ROLE,	    /* 400: an admin's own role */
	MOD_SAME_ROLE,	    /* 409 */
	MOD_LAST_ADMIN,	    /* 409: the site keeps one admin */
	MOD_REMOTE_ROLE,    /* 409: a person of another server gets no role */
};

/* One decision about one target. The caller fills in the first part; the
 * rest is found while it is checked and carried out. */
struct mod_decision {
	const struct mod_kind *kind;
	const char *type; /* post, comment, user, appeal */
	int64_t id;
	const char *reason; /* cleaned, or NULL */
	const char *label;  /* label: the new content warning */
	int64_t duration;   /* suspend: seconds */
	/* found */
	enum mod_why why;
	int64_t subject;	  /* the person it is about */
	const char *subject_name; /* and their name */
	const char *subject_role;
	int64_t post_id, comment_id; /* for the notice */
	int64_t action_id;	     /* the audit row written */
	/* appeals: the action appealed against */
	int64_t appeal_action;
	const char *appeal_kind, *appeal_type, *appeal_detail;
	int64_t appeal_target;
	const char *prev_cw;	/* a post's content warning before a label */
	const char *prev_state; /* a post's mod_state before the decision */
};

/* Check and carry out one decision by me. Returns 0 (d->action_id is the
 * audit row), or 400, 403, 404, 409, 503 with d->why. A ban also ends every
 * session of the person and hides their posts from everyone. */
int moderation_act(struct db *db, struct arena *a, struct cache *cache, const struct config *cfg,
		   const struct mod_actor *me, struct mod_decision *d);

/* Give the person called username the role (user, moderator, admin), saying
 * why (reason, as typed: it is cleaned here). Only an admin may; never their
 * own role; the site keeps an admin. Returns 0 with *old_role, or 400, 403,
 * 404, 409, 503 with *why. */
int moderation_set_role(struct db *db, struct arena *a, struct cache *cache,
			const struct mod_actor *me, const char *username, const char *role,
			const char *reason, const char **old_role, enum mod_why *why);

/* Every cached session of a person is forgotten (and their cached pages go
 * stale), so the next request loads their role, suspension or ban. ended:
 * the sessions are over (a ban): their cached copies are overwritten with
 * session.h's "gone" marker, which a request that read a session just before
 * cannot put back (sessions are cached with add). */
void moderation_forget_sessions(struct db *db, struct arena *a, struct cache *cache,
				int64_t user_id, int ended);

/* A person by name: 0 with *id and *role, 404, 503. */
int mod_user_find(struct db *db, struct arena *a, const char *username, int64_t *id,
		  const char **role);
/* The admin called name (NULL: the oldest admin who is not banned) as an
 * actor. 0, 403 (not an admin, or banned), 404 (nobody by that name, or no
 * admin), 503. */
int mod_admin_find(struct db *db, struct arena *a, const char *name, struct mod_actor *out);

#endif

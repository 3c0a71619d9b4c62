/* dataset.h - consent to training use (the record of every choice) and the
 * training dataset export built on it (`imagier export-dataset`).
 *
 * Consent: a person's account-wide choice (users.training_consent, off by
 * default) and a per-post override (posts.training_consent: inherit, yes,
 * no). Every change is one row of consent_events, written in the same
 * transaction as the column it changes; a value equal to the current one
 * records nothing. A post may go into a dataset only when, at export time, it
 * is visible, its author is not banned, its effective consent is yes AND a
 * consent event says so (the "consent record" the manifest names: the
 * latest event of the post when its override is yes, else the latest
 * account-wide event of its author). A column set without an event (by
 * hand in SQL) is not consent. */
#ifndef IMAGIER_DATASET_H
#define IMAGIER_DATASET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"

struct cJSON;
struct db;

/* The effective consent of post p (alias p) by author u (alias u) as one SQL
 * expression: its override says yes, or it inherits and the account says
 * yes. Shared by the dataset export (which also wants a consent record) and
 * what a post says of itself (ActivityPub's trainingConsent, the robots
 * meta tag of its page). */
#define DATASET_CONSENT_YES_SQL                                                                    \
	"(p.training_consent = 'yes' OR (p.training_consent = 'inherit' AND "                      \
	"u.training_consent = 1))"

/* 1 when post_id's effective consent is yes, 0 when not (or no such post),
 * -1 (database). */
int consent_post_on(struct db *db, struct arena *a, int64_t post_id);

/* ---- consent ---------------------------------------------------------- */

/* A person's account-wide choice: on (0/1) and the latest account event
 * (event_id 0 and at 0 when they never chose: off by default). */
struct consent_state {
	int on;
	int64_t event_id;
	int64_t at;
};

/* 0 with *st, or -1 (database). */
int consent_account_get(struct db *db, struct arena *a, int64_t user_id, struct consent_state *st);

/* Set the account-wide choice. Must run inside the caller's transaction
 * (it locks the users row). *changed = 1 when an event was recorded (the
 * value differed), 0 when it already was so. 0 or -1 (database). */
int consent_account_set(struct db *db, struct arena *a, int64_t user_id, int on, int64_t now,
			int *changed);

/* "inherit", "yes", "no" -> 0; anything else -> -1. */
int consent_post_value_ok(const char *value);

/* Set a post's override, only if user_id owns it; runs its own
 * transaction. *changed as above. Returns 0, 404 (no such post of this
 * person: not revealed which), or -1 (database). */
int consent_post_set(struct db *db, struct arena *a, int64_t post_id, int64_t user_id,
		     const char *value, int64_t now, int *changed);

/* For the post's owner: add "training_consent" (the override: "inherit",
 * "yes", "no") and "training_consent_effective" (true when consent lets the
 * post into the next dataset) to p; with form, also "consent_form"
 * {"inherit","yes","no" (the chosen one true), "account_on"} for the page.
 * 0, or -1 (database; nothing added). */
int consent_post_json(struct db *db, struct arena *a, int64_t post_id, struct cJSON *p, int form);

/* Add "training_consent": true|false and "training_consent_at": ISO time or
 * null (never chosen) to obj. */
void consent_state_json(struct arena *a, struct cJSON *obj, const struct consent_state *st);

/* A person's consent events, newest first, with id < before: up to limit
 * objects {"id","post_id" (a post's),"scope" ("post"|"account"),"value",
 * "created_at"} in a new array; *next is the id to continue before, 0 on the
 * last page. NULL when the database failed. */
struct cJSON *consent_history_json(struct db *db, struct arena *a, int64_t user_id, int64_t before,
				   int limit, int64_t *next);

/* ---- dataset export ---------------------------------------------------- */

struct dataset_opts {
	const char *out_dir;
	const char *media_dir; /* where images.variants paths live */
	const char *secret;    /* site.secret: keys the authors' pseudonyms */
	int64_t since;	       /* unix time; used when has_since */
	int has_since;
	int resume;	  /* continue in a non-empty out_dir */
	FILE *progress;	  /* progress output (stderr), or NULL */
	int progress_tty; /* 1: a redrawn bar; 0: a line now and then */
};

struct dataset_result {
	int64_t export_id;
	uint64_t items;	    /* posts in the manifest when done */
	uint64_t added;	    /* ... of which written by this run */
	uint64_t kept;	    /* ... already there (--resume) */
	uint64_t dropped;   /* resume: lines removed, no longer eligible */
	uint64_t missing;   /* eligible but the media file is missing: skipped */
	uint64_t withdrawn; /* listed in withdrawn.jsonl */
	char error[768];    /* what went wrong, naming the path */
};

/* Export every eligible post (see the top of this file) into out_dir:
 * images/<post id>.<ext>, manifest.jsonl (one JSON object a line, by post
 * id) and withdrawn.jsonl (posts of earlier exports that must now be
 * withdrawn: they are marked so in dataset_items). With has_since only
 * posts created, or whose consent record is, at or after since and that
 * are not in an earlier export (not withdrawn) are added. dataset_items
 * rows are written in one transaction at the very end, after every file
 * was fsynced; on any failure the files this run created are removed and
 * no item is recorded. Returns 0, 1 (failure, res->error), or 2 (out_dir
 * not empty and no resume, res->error).
 * Test hook: IMAGIER_DATASET_FAIL_AFTER=N makes the Nth write to the output
 * (write or link) fail with ENOSPC, as a full disk would. */
int dataset_export(struct db *db, const struct dataset_opts *o, struct dataset_result *res);

/* "2026-11-24" (midnight UTC) or RFC 3339 "2026-11-24T10:00:00Z",
 * "...T10:00:00.5+02:00" -> unix seconds. 0, or -1 if not such a date. */
int dataset_parse_time(const char *s, int64_t *out);

#endif

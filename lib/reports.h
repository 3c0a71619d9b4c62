/* reports.h - people report posts, comments and people; the moderation
 * queue shows the open reports grouped by target, oldest first, and the
 * pending appeals. */
#ifndef IMAGIER_REPORTS_H
#define IMAGIER_REPORTS_H

#include <stdint.h>

#include "arena.h"

struct cJSON;
struct db;

#define REPORT_NOTE_CHARS 1000
#define REPORT_QUEUE_PAGE 50

/* 1 for what can be reported: post, comment, user. */
int report_type_known(const char *type);
/* 1 for the reasons: spam, sexual, violence, harassment, illegal, other. */
int report_reason_known(const char *reason);

/* Why a report was not saved (the status says how bad). */
enum report_why {
	REPORT_SAVED = 0,
	REPORT_DB_DOWN,	  /* 503: the target could not be looked up */
	REPORT_NOT_FOUND, /* 404: nothing others can see by that id */
	REPORT_OWN,	  /* 400: oneself or what one made */
	REPORT_DUP,	  /* 409: reported by this person already */
	REPORT_NOT_SAVED, /* 503: the insert failed */
};

/* reporter_id reports target type ("post", "comment", "user") id for reason
 * with the (cleaned) note. Only what others can see can be reported. 0 with
 * *report_id, or 400, 404, 409, 503 with *why. */
int report_add(struct db *db, struct arena *a, int64_t reporter_id, const char *type, int64_t id,
	       const char *reason, const char *note, int64_t *report_id, enum report_why *why);

/* The queue into data: "items", the open reports grouped by target, oldest
 * first, each with what a moderator needs to decide (author, words or a
 * thumbnail, state, the reporters' notes), and "appeals", the pending
 * appeals with the decision they are against. Returns the number of items,
 * or -1 (database). */
int report_queue(struct db *db, struct arena *a, const char *media_url, struct cJSON *data);

#endif

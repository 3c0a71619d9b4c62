/* apin.h - acting on the activities the inboxes took (imagier-gen,
 * apq_inbox_step). Each handler looks at one activity and either acts on
 * it (0), says it is none of its business (404: the next handler is
 * asked, and when none takes it the row is marked ignored), or fails on
 * the database (503: the row stays new and is tried again).
 *   apqueue.c       Follow of a local person, Undo of that Follow
 *   apin_social.c   remote people acting on local content: Like and its
 *                   Undo, a reply (Create of a Note inReplyTo a local post
 *                   or comment) as a comment, Announce, Update and Delete
 *                   of their comments
 *   apin_follow.c   local people following remote ones: Accept/Reject of
 *                   our Follow, Create/Update/Delete of the posts of
 *                   people followed from here (remote posts in the
 *                   following feed), and of remixes of our posts by
 *                   anyone (apremix.c) */
#ifndef IMAGIER_APIN_H
#define IMAGIER_APIN_H

#include <stdint.h>

#include "arena.h"

struct cJSON;
struct db;
struct ap_remote;
struct ap_activity;

struct apin {
	struct db *db;
	struct arena *a;
	const char *base;	       /* site.base_url without its trailing slash */
	int64_t row;		       /* ap_inbox.id */
	int64_t inbox_user;	       /* the person whose inbox it came to, 0: shared */
	struct ap_remote *who;	       /* the verified sender */
	const struct ap_activity *act; /* what apremote_activity read */
	const struct cJSON *json;      /* the whole activity */
};

int apin_social(const struct apin *in);
int apin_follow(const struct apin *in);

#endif

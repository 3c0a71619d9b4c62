/* social.h - likes, comments, follows and notifications, counters kept with the rows. */
#ifndef IMAGIER_SOCIAL_H
#define IMAGIER_SOCIAL_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct cJSON;
struct db;

#define COMMENT_MAX_CHARS 2000
#define COMMENT_PAGE	  50

struct session_limits;

/* What a like or a comment must know before it writes, asked of the primary
 * in one statement: the person's session when a cached copy is rechecked,
 * the post, the comment answered, a block between the person and either
 * author, and whether the author already heard of this person's like. */
struct social_check {
	int session;		  /* 1 live, 0 ended (logout, expiry, ban), -1 not asked */
	const char *role;	  /* of a live session */
	int64_t suspended_until;  /* of a live session; 0: not suspended */
	int post;		  /* 1: the post exists and is visible */
	int64_t author;		  /* the post's author */
	int parent;		  /* 1: parent_id is a comment on this post, or none asked */
	int64_t parent_root;	  /* the thread the answer joins (a reply's top comment) */
	int64_t parent_author;	  /* the answered comment's author */
	int64_t blocker;	  /* 0, or who blocked whom: the blocker's id ... */
	const char *blocked_name; /* ... and the other party's username */
	int notified;		  /* a like notice from user_id on this post exists */
	int64_t like_count;	  /* the post's, at the check ... */
	int liked;		  /* ... and whether user_id's like was among them */
};

/* Fill *out for user_id about to like or comment on post_id (parent_id 0:
 * not an answer). token: the session to recheck (NULL: none). 0 or 503. */
int social_write_check(struct db *db, struct arena *a, int64_t user_id, int64_t post_id,
		       int64_t parent_id, const char *token, const struct session_limits *lim,
		       struct social_check *out);

/* Like / unlike post_id as user_id, chk from social_write_check (for a like:
 * the author to notify, once per person and post). The count moves only when
 * the row does (liking twice is not an error and counts once), in the same
 * transaction as the row and the notice; when the check saw nothing to
 * change (liked already, or not liked), its count is the answer and no
 * transaction runs. Returns 0 with the new *count and *changed, 404 (no
 * such post, or no longer visible), 503. */
int social_like(struct db *db, struct arena *a, int64_t user_id, int64_t post_id, int on,
		const struct social_check *chk, int64_t *count, int *changed);

/* Add a comment, chk from social_write_check with the same parent_id (0 =
 * top level; a reply to a reply attaches to its top-level comment), with
 * its counter and notices in one transaction. Returns 0 with *id and its
 * *created_at, 404 (post gone or not visible, parent missing), 503. */
int social_comment_add(struct db *db, struct arena *a, int64_t user_id, int64_t post_id,
		       const struct social_check *chk, const char *text, int64_t *id,
		       int64_t *created_at);
/* Delete one's own comment. Nobody else deletes it, moderators included:
 * they remove it with moderation_act (reason, audit row, notice, appeal).
 * Returns 0 with the *post_id it was on, 403 (not yours), 404, 503. */
int social_comment_delete(struct db *db, struct arena *a, int64_t user_id, int64_t comment_id,
			  int64_t *post_id);
/* Top-level comments of a post, oldest first, after cursor `after` (0 = from
 * the start), each with its replies; *next = cursor or 0. Deleted comments
 * with replies stay as "[deleted]". Returns the JSON array or NULL (db). */
struct cJSON *social_comments(struct db *db, struct arena *a, int64_t post_id, int64_t after,
			      int limit, int64_t viewer_id, int64_t *next);
/* Where a person's name links: "/u/NAME" for a person here; for a person
 * of another server (domain not ""), their profile page there (url, else
 * their actor id uri; only an http(s) address is taken). An arena string. */
const char *social_profile_url(struct arena *a, const char *username, const char *domain,
			       const char *url, const char *uri);
/* One comment as JSON, or NULL. */
struct cJSON *social_comment_load(struct db *db, struct arena *a, int64_t id, int64_t viewer_id);
/* The JSON of a comment just written by its author (social_comment_add),
 * as social_comment_load would read it, without reading it. */
struct cJSON *social_comment_new_json(struct arena *a, int64_t id, int64_t post_id,
				      int64_t parent_id, int64_t user_id, const char *username,
				      const char *text, int64_t created_at, int held);

/* 1 when user_id follows target_id (a person here), 0, -1. */
int social_follows(struct db *db, struct arena *a, int64_t user_id, int64_t target_id);
/* Follow / unfollow a person (by id) or a tag (by id). 0, 400 (oneself),
 * 404, 503. *changed tells whether a row moved. */
int social_follow_user(struct db *db, struct arena *a, int64_t user_id, int64_t target_id, int on,
		       int *changed);
int social_follow_tag(struct db *db, struct arena *a, int64_t user_id, int64_t tag_id, int on,
		      int *changed);

struct cache;
/* The cache whose per-person unread counts a new notification drops (set
 * once per process; NULL: none). */
void social_set_cache(struct cache *cache);
/* memcached key of a person's cached unread count. */
char *social_unread_key(struct arena *a, int64_t user_id);

/* Mute / unmute a person. 0, 400 (oneself), 404, 503; *changed as above. */
int social_mute(struct db *db, struct arena *a, int64_t user_id, int64_t target_id, int on,
		int *changed);
/* The people whose posts leave user_id's feeds: muted or blocked by user_id,
 * or blocking user_id; sorted ascending, each once (arena). 0 or -1. */
int social_muted(struct db *db, struct arena *a, int64_t user_id, int64_t **ids, size_t *n);

struct textnorm_list;
/* A person's muted words as a list for textnorm_match() on folded text:
 * each word as folded, matching its plurals and possessives too
 * (textnorm_list_parse_forms). NULL when there is none. */
struct textnorm_list *social_words_list(struct arena *a, const char *const *words, size_t n);

/* Record a notification for user_id (never for oneself). Best effort. */
void social_notify(struct db *db, struct arena *a, int64_t user_id, int64_t actor_id,
		   const char *kind, int64_t post_id, int64_t comment_id);
/* Newest notifications, id < before (0 = newest), with actor names and post
 * thumbnails. *next cursor or 0. NULL on db failure. */
struct cJSON *social_notifications(struct db *db, struct arena *a, const char *media_url,
				   int64_t user_id, int64_t before, int limit, int64_t *next);
/* Unread count (-1 on failure) and marking everything up to up_to as read
 * (0 = all). */
int64_t social_unread(struct db *db, struct arena *a, int64_t user_id);
int social_mark_read(struct db *db, struct arena *a, int64_t user_id, int64_t up_to);

/* Of the given post ids, which has user_id liked? Sets liked[i]. 0 or -1. */
int social_liked_map(struct db *db, struct arena *a, int64_t user_id, const int64_t *ids, size_t n,
		     int *liked);
/* The same answer kept in memcached, under a key of the person, their
 * version (bumped after each state-changing request of theirs, so after
 * every like and unlike) and the ids asked about: a feed page built again
 * for the same posts asks MariaDB nothing. The key (NULL when memcached
 * has no version for them), to be fetched with the page's posts; then
 * social_liked_cached with what that fetch found (val NULL: a miss, asked
 * of MariaDB and stored). */
char *social_liked_key(struct cache *cache, struct arena *a, int64_t user_id, const int64_t *ids,
		       size_t n);
int social_liked_cached(struct db *db, struct cache *cache, struct arena *a, int64_t user_id,
			const int64_t *ids, size_t n, const char *key, const char *val, size_t len,
			int *liked);

struct config;
/* What follows every new post (upload or publish) by actor_id: its files
 * are stamped with the post's URL and, for a remix, the parent's author is
 * told. Returns the parent's id (its remix_count moved), or 0. */
int64_t social_post_published(struct db *db, struct arena *a, const struct config *cfg,
			      int64_t post_id, int64_t actor_id);

#endif

/* apaccount.h - people of other servers as accounts here (sql/023, docs/
 * FEDERATION.md "Remote people"). A remote actor who likes, comments,
 * posts to people who follow them, or is followed from here gets a users
 * row on first need: username "name@host" (a local name never holds an
 * "@"), domain the host, no password (they never log in). Everything that
 * works on people (comments, likes, follows, blocks, reports, moderation,
 * the following feed) then works on them unchanged. Also the list of
 * defederated hosts (ap_domain_blocks). */
#ifndef IMAGIER_APACCOUNT_H
#define IMAGIER_APACCOUNT_H

#include <stdint.h>

#include "arena.h"

struct db;
struct ap_remote;

#define APACCOUNT_MAX_NAME 64 /* the name part of "name@host" */

/* The local name of a remote person: preferredUsername (or the last path
 * segment of their id when they have none) with every byte outside
 * [A-Za-z0-9_.-] made "_", at most APACCOUNT_MAX_NAME bytes, then "@"
 * and the domain (host[:port], lower case). An arena string. */
const char *apaccount_name(struct arena *a, const char *username, const char *uri,
			   const char *domain);

/* who's users row: made when it has none (who->user_id 0), its name, bio
 * (the summary without markup, at most 400 bytes) kept as the actor says.
 * 0 with *user_id (and who->user_id set), 403 when who's host is
 * defederated, or 503 (database). */
int apaccount_user(struct db *db, struct arena *a, struct ap_remote *who, int64_t *user_id);

/* 1 when domain (host[:port]; any case) is defederated, 0 when not, -1
 * (database). */
int apaccount_domain_blocked(struct db *db, struct arena *a, const char *domain);

/* s (HTML as a remote server sends it) as plain text: tags dropped, <br>
 * and </p> as a newline, the five named entities and numeric ones
 * decoded, at most max bytes (cut on a character boundary). Never fails. */
char *apaccount_plain(struct arena *a, const char *s, size_t max);

#endif

/* cli_admin.c - bin/imagier ban, unban, suspend and role: what the admin
 * pages do (/admin/users, POST /api/v1/admin/actions), through the same lib
 * functions, so a ban ends every session and hides the person's posts (and
 * withholds their files), a role change keeps an admin, and each writes the
 * same audit row.
 *
 * The actor is an admin account: --as NAME, else the oldest admin who is not
 * banned. The audit row names them as if they had used the page, and the
 * page's rules apply to them (no decision about oneself, no change of one's
 * own role). */
#include "cli_admin.h"
#include "account.h"

#include "arena.h"
#include "cache.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "moderator.h"
#include "util.h"

#include <string.h>

/* A role change from the command line needs no reason; this one is logged. */
#define ROLE_REASON "changed with bin/imagier role"
#define DAY	    86400

int cli_admin_handles(const char *cmd)
{
	return !strcmp(cmd, "ban") || !strcmp(cmd, "unban") || !strcmp(cmd, "suspend") ||
	       !strcmp(cmd, "role");
}

void cli_admin_usage(FILE *out)
{
	fputs("  ban USER --reason TEXT\n"
	      "                 ban a person: every session of theirs ends, their posts go\n"
	      "  unban USER --reason TEXT\n"
	      "                 lift a ban\n"
	      "  suspend USER --days N --reason TEXT\n"
	      "                 suspend a person for N days (1 to 365)\n"
	      "  role USER mod|admin|user [--reason TEXT]\n"
	      "                 change a person's role\n"
	      "                 (these four act as the admin --as ADMIN, else the oldest\n"
	      "                 admin, and are logged as the admin pages log them)\n",
	      out);
}

/* The command line: argv[2..] is the person, the role (role only) and the
 * options, in any order. */
struct args {
	const char *user, *role, *reason, *days, *as;
};

static int parse_args(int argc, char **argv, struct args *o)
{
	int is_role = !strcmp(argv[1], "role");
	memset(o, 0, sizeof(*o));
	for (int i = 2; i < argc; i++) {
		const char **opt = !strcmp(argv[i], "--reason") ? &o->reason
				   : !strcmp(argv[i], "--days") ? &o->days
				   : !strcmp(argv[i], "--as")	? &o->as
								: NULL;
		if (opt && i + 1 < argc && !*opt)
			*opt = argv[++i];
		else if (!opt && argv[i][0] != '-' && !o->user)
			o->user = argv[i];
		else if (!opt && argv[i][0] != '-' && is_role && !o->role)
			o->role = argv[i];
		else
			return -1;
	}
	if (!o->user || (is_role && !o->role) || (!is_role && !o->reason) ||
	    (!strcmp(argv[1], "suspend") != !!o->days))
		return -1;
	return 0;
}

static int usage_of(const char *cmd)
{
	const char *rest = !strcmp(cmd, "role")	     ? "USER mod|admin|user [--reason TEXT]"
			   : !strcmp(cmd, "suspend") ? "USER --days N --reason TEXT"
						     : "USER --reason TEXT";
	fprintf(stderr, "usage: imagier %s %s [--as ADMIN]\n", cmd, rest);
	return 2;
}

/* The exit code of a refused or failed decision, with its reason told. */
static int refused(const char *cmd, const struct mod_decision *d, int status)
{
	static const char *const why[] = {
	    [MOD_BAD_TARGET] = "that action does not apply to a person",
	    [MOD_NOT_FOUND] = "there is nobody like that",
	    [MOD_OWN_CASE] = "another admin has to decide about you",
	    [MOD_NOT_ADMIN] = "only an admin can act on a moderator or an admin",
	    [MOD_DB_DOWN] = "the database is not answering",
	    [MOD_DB_ROLLED_BACK] = "the database is not answering; nothing changed",
	};
	const char *text = (size_t)d->why < ARRAY_LEN(why) && why[d->why] ? why[d->why] : "refused";
	fprintf(stderr, "imagier %s: %s\n", cmd, text);
	return status == 503 ? 1 : 2;
}

static int role_refused(const struct args *o, enum mod_why why)
{
	const char *text = why == MOD_BAD_ROLE	   ? "the role is mod, admin or user"
			   : why == MOD_NO_REASON  ? "the reason is empty or too long"
			   : why == MOD_NOT_FOUND  ? "there is nobody by that name"
			   : why == MOD_OWN_ROLE   ? "another admin has to change your role"
			   : why == MOD_SAME_ROLE  ? "that is their role already"
			   : why == MOD_LAST_ADMIN ? "the site needs at least one admin"
			   : why == MOD_NOT_ADMIN  ? "only an admin changes roles"
						   : NULL;
	if (!text) {
		fprintf(stderr, "imagier role: the database is not answering\n");
		return 1;
	}
	fprintf(stderr, "imagier role: @%s: %s\n", o->user, text);
	return 2;
}

/* ban, unban, suspend: one decision about the person, as the page takes it. */
static int act(struct db *db, struct arena *a, struct cache *cache, const struct config *cfg,
	       const struct mod_actor *me, const char *cmd, const struct args *o)
{
	struct mod_decision d = {.kind = mod_kind_find(cmd), .type = "user"};
	const char *why;
	const char *role;
	uint64_t days = 0;
	if (text_clean(a, o->reason, strlen(o->reason), MOD_REASON_CHARS, &d.reason, &why) ||
	    !*d.reason) {
		fprintf(stderr,
			"imagier %s: give a reason (up to %d characters): the person "
			"will read it\n",
			cmd, MOD_REASON_CHARS);
		return 2;
	}
	if (o->days) {
		if (str_to_u64(o->days, MOD_SUSPEND_MAX / DAY, &days) || days == 0) {
			fprintf(stderr, "imagier suspend: --days is a number from 1 to %d\n",
				MOD_SUSPEND_MAX / DAY);
			return 2;
		}
		d.duration = (int64_t)days * DAY;
	}
	int st = mod_user_find(db, a, o->user, &d.id, &role);
	if (st) {
		fprintf(stderr, "imagier %s: %s\n", cmd,
			st == 404 ? arena_printf(a, "there is nobody called %s", o->user)
				  : "the database is not answering");
		return st == 404 ? 2 : 1;
	}
	if ((st = moderation_act(db, a, cache, cfg, me, &d)))
		return refused(cmd, &d, st);
	printf("%s @%s as %s (audit log action %lld)\n",
	       !strcmp(cmd, "ban") ? "banned"
	       : !strcmp(cmd, "unban")
		   ? "unbanned"
		   : arena_printf(a, "suspended for %llu days", (unsigned long long)days),
	       d.subject_name, me->name, (long long)d.action_id);
	return 0;
}

static int set_role(struct db *db, struct arena *a, struct cache *cache, const struct mod_actor *me,
		    const struct args *o)
{
	const char *role = !strcmp(o->role, "mod") ? "moderator" : o->role, *old;
	enum mod_why why;
	if (moderation_set_role(db, a, cache, me, o->user, role,
				o->reason ? o->reason : ROLE_REASON, &old, &why))
		return role_refused(o, why);
	printf("@%s: %s -> %s (by %s)\n", o->user, old, role, me->name);
	return 0;
}

int cli_admin(const struct config *cfg, int argc, char **argv)
{
	const char *cmd = argv[1];
	struct args o;
	if (parse_args(argc, argv, &o))
		return usage_of(cmd);
	struct db *db = db_new(cfg);
	struct cache *cache = cache_new(cfg);
	struct arena a;
	struct mod_actor me;
	int rc = 1, st;
	arena_init(&a);
	int64_t id;
	const char *who = NULL;
	if (db_connect(db) != DB_OK) {
		fprintf(stderr, "imagier %s: cannot connect to the database\n", cmd);
	} else if ((st = account_find(db, &a, o.user, &id)) ||
		   (o.as && (st = account_find(db, &a, who = o.as, &id)))) {
		/* Names exactly as they are: MariaDB's comparison would let "ÁDMIN "
		 * or a full-width look-alike stand for someone else. */
		rc = st == 503 ? 1 : 2;
		fprintf(stderr, "imagier %s: %s\n", cmd,
			st == 503
			    ? "the database is not answering"
			    : arena_printf(&a, "there is nobody called %s", who ? who : o.user));
	} else if ((st = mod_admin_find(db, &a, o.as, &me))) {
		rc = st == 503 ? 1 : 2;
		fprintf(stderr, "imagier %s: %s\n", cmd,
			st == 503   ? "the database is not answering"
			: st == 403 ? arena_printf(&a, "%s is not an admin (or is banned)", o.as)
			: o.as	    ? arena_printf(&a, "there is nobody called %s", o.as)
				    : "there is no admin yet (imagier create-admin)");
	} else {
		rc = !strcmp(cmd, "role") ? set_role(db, &a, cache, &me, &o)
					  : act(db, &a, cache, cfg, &me, cmd, &o);
	}
	arena_free(&a);
	cache_free(cache);
	db_free(db);
	return rc;
}

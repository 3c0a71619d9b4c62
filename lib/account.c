/* account.c - sign-up, login and its failure limits, password checks. */
#include "account.h"
#include "auth.h"
#include "db.h"
#include "session.h"
#include "util.h"

#include <string.h>

int account_insert(struct db *db, struct arena *a, const char *name, const char *password,
		   const char *role, int64_t *id)
{
	char hash[AUTH_PWHASH_LEN];
	struct db_res r;
	if (auth_password_hash(password, hash))
		return 503;
	/* An erased person's name stays theirs: other servers know its actor
	 * URL (/u/name) and keep follows and objects under it, which a
	 * newcomer by that name would inherit (as Mastodon, never reused). */
	if (db_read(db, a, &r,
		    "SELECT 1 FROM ap_tombstones WHERE kind = 'actor' AND "
		    "ref = UNHEX(SHA2(CONCAT('actor:', LOWER(?)), 256))",
		    "s", name) != DB_OK)
		return 503;
	if (r.nrows)
		return 409;
	int rc = db_exec(db, a, &r,
			 "INSERT INTO users (username, password_hash, role, created_at) "
			 "VALUES (?, ?, ?, ?)",
			 "sssi", name, hash, role, now_unix());
	if (rc == DB_DUP)
		return 409;
	if (rc != DB_OK)
		return 503;
	*id = (int64_t)r.insert_id;
	return 0;
}

char *account_login_key(struct arena *a, const char *name)
{
	return arena_printf(a, "login:u:%s", name);
}

/* Failed logins under key in the current window (0 when unknown). */
static int64_t login_failures(struct db *db, struct arena *a, const char *key)
{
	struct db_res r;
	if (db_read(db, a, &r, "SELECT n FROM rate_limits WHERE k = ? AND win = ?", "si", key,
		    now_unix() / ACCOUNT_LOGIN_WINDOW) != DB_OK ||
	    r.nrows == 0)
		return 0;
	return db_int(&r, 0, 0);
}

static void login_failed(struct db *db, struct arena *a, const char *key)
{
	db_exec(db, a, NULL,
		"INSERT INTO rate_limits (k, win, n) VALUES (?, ?, 1) "
		"ON DUPLICATE KEY UPDATE n = n + 1",
		"si", key, now_unix() / ACCOUNT_LOGIN_WINDOW);
}

int account_login(struct db *db, struct arena *a, const char *name, const char *password,
		  const char *addr, int limit, struct account_who *who, const char **ban_reason)
{
	struct db_res r;
	*ban_reason = "";
	if (db_read(db, a, &r,
		    "SELECT id, username, password_hash, role, banned_at IS NOT NULL FROM users "
		    "WHERE username = ? AND domain = ''",
		    "s", name) != DB_OK)
		return 503;
	/* Failures count against the account as stored: MariaDB finds "ALICE"
	 * and "alice " as alice, so the name as typed would be a way around. */
	char *kname = account_login_key(a, r.nrows ? db_str(&r, 0, 1) : name);
	char *kaddr = arena_printf(a, "login:a:%s", addr);
	if (login_failures(db, a, kname) >= limit || login_failures(db, a, kaddr) >= limit * 5)
		return 429;
	/* Verify against a dummy hash for unknown names: same time either way. */
	const char *stored = r.nrows ? db_str(&r, 0, 2) : auth_dummy_hash();
	if (!auth_password_verify(stored, password) || r.nrows == 0) {
		login_failed(db, a, kname);
		login_failed(db, a, kaddr);
		return 401;
	}
	who->id = db_int(&r, 0, 0);
	who->username = db_str(&r, 0, 1);
	who->role = db_str(&r, 0, 3);
	who->password_hash = db_str(&r, 0, 2);
	/* Only the right password learns of the ban (and its reason). */
	if (db_int(&r, 0, 4)) {
		struct db_res b;
		if (db_read(
			db, a, &b,
			"SELECT reason FROM mod_actions WHERE subject_id = ? AND action = 'ban' "
			"ORDER BY id DESC LIMIT 1",
			"i", who->id) == DB_OK &&
		    b.nrows)
			*ban_reason = db_str(&b, 0, 0);
		return 403;
	}
	return 0;
}

int account_password_check(struct db *db, struct arena *a, int64_t id, const char *password)
{
	struct db_res r;
	if (db_read(db, a, &r, "SELECT password_hash FROM users WHERE id = ?", "i", id) != DB_OK)
		return 503;
	if (!r.nrows)
		return 404;
	return auth_password_verify(db_str(&r, 0, 0), password) ? 0 : 403;
}

int account_password_change(struct db *db, struct cache *cache, struct arena *a, int64_t id,
			    const char *current, const char *new_password, const char *addr,
			    int limit, const char *keep, int64_t *ended)
{
	struct db_res r, gone = {0};
	char hash[AUTH_PWHASH_LEN];
	*ended = 0;
	if (db_read(db, a, &r, "SELECT username, password_hash FROM users WHERE id = ?", "i", id) !=
	    DB_OK)
		return 503;
	if (!r.nrows)
		return 404;
	/* The same lockout as the login form: otherwise this form would be a
	 * way to try passwords without limit from a stolen session. */
	char *kname = account_login_key(a, db_str(&r, 0, 0));
	char *kaddr = arena_printf(a, "login:a:%s", addr);
	if (login_failures(db, a, kname) >= limit || login_failures(db, a, kaddr) >= limit * 5)
		return 429;
	const char *old = db_str(&r, 0, 1);
	if (!auth_password_verify(old, current)) {
		login_failed(db, a, kname);
		login_failed(db, a, kaddr);
		return 403;
	}
	if (auth_password_hash(new_password, hash))
		return 503;
	if (db_begin(db) != DB_OK)
		return 503;
	/* Only over the hash just verified: a change made meanwhile by another
	 * request wins, and this one is refused as a wrong password. */
	struct db_res u;
	int ok = db_exec(db, a, &u,
			 "UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?",
			 "sis", hash, id, old) == DB_OK;
	if (ok && !u.affected) {
		db_finish(db, 0);
		return 403;
	}
	ok = ok && session_delete_others_tx(db, a, id, keep, &gone) == DB_OK;
	if (db_finish(db, ok) != DB_OK)
		return 503;
	session_forget(cache, a, &gone);
	*ended = (int64_t)gone.nrows;
	return 0;
}

int account_find(struct db *db, struct arena *a, const char *name, int64_t *id)
{
	struct db_res r;
	if (db_read(db, a, &r, "SELECT id, username FROM users WHERE username = ? AND domain = ''",
		    "s", name) != DB_OK)
		return 503;
	/* Names compare without case or accents in MariaDB ("ＺÉD " finds zed):
	 * an operator's command acts only on the name exactly as it is. */
	if (!r.nrows || strcmp(db_str(&r, 0, 1), name))
		return 404;
	*id = db_int(&r, 0, 0);
	return 0;
}

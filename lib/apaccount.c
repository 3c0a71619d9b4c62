/* apaccount.c - remote people as accounts here (apaccount.h). */
#include "apaccount.h"
#include "apmod.h"
#include "apremote.h"
#include "buf.h"
#include "db.h"
#include "log.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *apaccount_name(struct arena *a, const char *username, const char *uri,
			   const char *domain)
{
	const char *nm = username;
	if (!nm || !*nm) {
		size_t n = strcspn(uri, "?#");
		const char *end = uri + n, *p = end;
		while (p > uri && p[-1] == '/')
			p--, end--;
		while (p > uri && p[-1] != '/')
			p--;
		nm = arena_strndup(a, p, (size_t)(end - p));
	}
	char name[APACCOUNT_MAX_NAME + 1];
	size_t n = 0;
	for (; n < APACCOUNT_MAX_NAME && nm[n]; n++) {
		unsigned char ch = (unsigned char)nm[n];
		name[n] = isalnum(ch) || ch == '_' || ch == '.' || ch == '-' ? (char)ch : '_';
	}
	if (!n)
		name[n++] = '_';
	name[n] = 0;
	char *host = arena_strdup(a, domain);
	for (char *p = host; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return arena_printf(a, "%s@%s", name, host);
}

/* Append the UTF-8 encoding of code point cp. */
static void put_cp(struct buf *b, unsigned long cp)
{
	char u[4];
	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return;
	if (cp < 0x80) {
		buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		buf_append(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		buf_append(b, u, 3);
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		buf_append(b, u, 4);
	}
}

/* The entity at s ("&...;"): appended, and its length returned (0: not
 * one we read, the "&" is kept as it is). */
static size_t entity(struct buf *b, const char *s)
{
	static const struct {
		const char *name;
		char ch;
	} named[] = {{"&amp;", '&'},  {"&lt;", '<'},	{"&gt;", '>'},	{"&quot;", '"'},
		     {"&#39;", '\''}, {"&apos;", '\''}, {"&nbsp;", ' '}};
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		size_t n = strlen(named[i].name);
		if (!strncmp(s, named[i].name, n)) {
			buf_putc(b, named[i].ch);
			return n;
		}
	}
	if (s[1] != '#')
		return 0;
	int hex = s[2] == 'x' || s[2] == 'X';
	const char *p = s + 2 + hex;
	unsigned long cp = 0;
	size_t digits = 0;
	while (digits < 8 && (hex ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p))) {
		int d =
		    isdigit((unsigned char)*p) ? *p - '0' : tolower((unsigned char)*p) - 'a' + 10;
		cp = cp * (hex ? 16 : 10) + (unsigned long)d;
		p++, digits++;
	}
	if (!digits || *p != ';')
		return 0;
	put_cp(b, cp);
	return (size_t)(p + 1 - s);
}

char *apaccount_plain(struct arena *a, const char *s, size_t max)
{
	struct buf b = {0};
	while (s && *s && b.len < max + 8) {
		if (*s == '<') {
			const char *end = strchr(s, '>');
			if (!end)
				break;
			if (!strncasecmp(s, "<br", 3) || !strncasecmp(s, "</p", 3))
				buf_putc(&b, '\n');
			s = end + 1;
		} else if (*s == '&') {
			size_t n = entity(&b, s);
			if (!n)
				buf_putc(&b, '&');
			s += n ? n : 1;
		} else {
			buf_putc(&b, *s++);
		}
	}
	size_t n = b.len;
	while (n && (b.data[n - 1] == '\n' || b.data[n - 1] == ' '))
		n--;
	if (n > max) {
		n = max;
		while (n && ((unsigned char)b.data[n] & 0xC0) == 0x80)
			n--;
	}
	char *out = arena_strndup(a, b.data ? b.data : "", n);
	buf_free(&b);
	return out;
}

int apaccount_domain_blocked(struct db *db, struct arena *a, const char *domain)
{
	return apmod_blocked(db, a, domain);
}

int apaccount_user(struct db *db, struct arena *a, struct ap_remote *who, int64_t *user_id)
{
	struct db_res r;
	int blocked = apaccount_domain_blocked(db, a, who->domain);
	if (blocked)
		return blocked < 0 ? 503 : 403;
	const char *bio = apaccount_plain(a, who->summary, 400);
	if (who->user_id) {
		*user_id = who->user_id;
		return db_exec(db, a, NULL,
			       "UPDATE users SET bio = ? WHERE id = ? AND domain <> ''", "si", bio,
			       who->user_id) == DB_OK
			   ? 0
			   : 503;
	}
	const char *name = apaccount_name(a, who->username, who->uri, who->domain);
	/* Two actors of one host with one preferredUsername: the second is
	 * told apart by its ap_actors id. */
	for (int attempt = 0; attempt < 2; attempt++) {
		if (attempt)
			name = arena_printf(a, "%.*s~%lld@%s", (int)strcspn(name, "@"), name,
					    (long long)who->id, strchr(name, '@') + 1);
		if (db_exec(db, a, NULL,
			    "INSERT IGNORE INTO users (username, domain, password_hash, bio, "
			    "created_at) VALUES (?, LOWER(?), '', ?, ?)",
			    "sssi", name, who->domain, bio, now_unix()) != DB_OK ||
		    db_exec(
			db, a, &r,
			"SELECT u.id, (SELECT a.id FROM ap_actors a WHERE a.user_id = u.id) FROM "
			"users u WHERE u.username = ? AND u.domain <> ''",
			"s", name) != DB_OK)
			return 503;
		if (!r.nrows)
			continue; /* a local name?: cannot be, it holds an "@" */
		int64_t uid = db_int(&r, 0, 0), owner = db_int(&r, 0, 1);
		if (owner && owner != who->id)
			continue;
		if (db_exec(db, a, NULL,
			    "UPDATE ap_actors SET user_id = ? WHERE id = ? AND user_id IS NULL",
			    "ii", uid, who->id) != DB_OK)
			return 503;
		who->user_id = *user_id = uid;
		log_info("apaccount: %s is %s here", who->uri, name);
		return 0;
	}
	log_error("apaccount: no name for %s", who->uri);
	return 503;
}

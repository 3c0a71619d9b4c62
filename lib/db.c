/* db.c - MariaDB access through prepared statements only, with reconnect. */
#include "db.h"
#include "config.h"
#include "log.h"
#include "util.h"

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DB_MAX_STMTS  128
#define DB_MAX_PARAMS 64

struct db_stmt {
	char *sql;
	MYSQL_STMT *stmt;
};

struct db {
	const struct config *cfg;
	MYSQL *conn;
	int in_tx;
	int commit_unknown; /* the last commit failed on the connection */
	struct idem *idem;  /* the request's Idempotency-Key (idem.c), or NULL */
	uint64_t reads;	    /* db_read outside a transaction: may go to a replica */
	uint64_t writes;    /* everything else: the primary */
	struct db_stmt stmts[DB_MAX_STMTS];
	size_t nstmts;
};

struct db *db_new(const struct config *cfg)
{
	struct db *db = xcalloc(1, sizeof(*db));
	db->cfg = cfg;
	return db;
}

static void db_drop_stmts(struct db *db)
{
	for (size_t i = 0; i < db->nstmts; i++) {
		if (db->stmts[i].stmt)
			mysql_stmt_close(db->stmts[i].stmt);
		free(db->stmts[i].sql);
	}
	db->nstmts = 0;
}

static void db_disconnect(struct db *db)
{
	db_drop_stmts(db);
	if (db->conn)
		mysql_close(db->conn);
	db->conn = NULL;
	db->in_tx = 0;
}

void db_free(struct db *db)
{
	if (!db)
		return;
	db_disconnect(db);
	free(db);
}

int db_connect(struct db *db)
{
	const struct config *c = db->cfg;
	db_disconnect(db);
	db->conn = mysql_init(NULL);
	if (!db->conn)
		return DB_DOWN;
	unsigned int timeout = 3;
	my_bool off = 0;
	mysql_optionsv(db->conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_optionsv(db->conn, MYSQL_OPT_RECONNECT, &off);
	mysql_optionsv(db->conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	const char *host = c->db_host[0] ? c->db_host : "localhost";
	const char *sock = c->db_host[0] ? NULL : c->db_socket;
	if (!mysql_real_connect(db->conn, host, c->db_user, c->db_password, c->db_name,
				(unsigned)c->db_port, sock, 0)) {
		log_error("db: connect failed: %s", mysql_error(db->conn));
		mysql_close(db->conn);
		db->conn = NULL;
		return DB_DOWN;
	}
	return DB_OK;
}

int db_ping(struct db *db)
{
	if (db->conn && mysql_ping(db->conn) == 0)
		return DB_OK;
	return db_connect(db);
}

static int is_conn_error(unsigned int e)
{
	return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST || e == CR_CONNECTION_ERROR ||
	       e == CR_CONN_HOST_ERROR || e == ER_CONNECTION_KILLED;
}

static MYSQL_STMT *db_prepare(struct db *db, const char *sql, unsigned int *errnum)
{
	for (size_t i = 0; i < db->nstmts; i++)
		if (!strcmp(db->stmts[i].sql, sql))
			return db->stmts[i].stmt;
	MYSQL_STMT *st = mysql_stmt_init(db->conn);
	if (!st) {
		*errnum = CR_OUT_OF_MEMORY;
		return NULL;
	}
	if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql))) {
		*errnum = mysql_stmt_errno(st);
		log_error("db: prepare failed: %s [%.120s]", mysql_stmt_error(st), sql);
		mysql_stmt_close(st);
		return NULL;
	}
	my_bool upd = 1;
	mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &upd);
	if (db->nstmts == DB_MAX_STMTS)
		db_drop_stmts(db); /* rare: many distinct statements */
	db->stmts[db->nstmts].sql = xstrdup(sql);
	db->stmts[db->nstmts].stmt = st;
	db->nstmts++;
	return st;
}

/* Parameters collected from the va_list once, so a retry can rebind them. */
struct db_param {
	char type;
	int64_t i;
	double d;
	const void *p;
	unsigned long len;
	my_bool is_null;
};

static int collect_params(const char *types, va_list ap, struct db_param *ps, size_t *n)
{
	size_t k = 0;
	for (const char *t = types ? types : ""; *t; t++, k++) {
		if (k == DB_MAX_PARAMS)
			return -1;
		struct db_param *p = &ps[k];
		memset(p, 0, sizeof(*p));
		p->type = *t;
		switch (*t) {
		case 'i':
			p->i = va_arg(ap, int64_t);
			break;
		case 'u':
			p->i = (int64_t)va_arg(ap, uint64_t);
			break;
		case 'd':
			p->d = va_arg(ap, double);
			break;
		case 's':
			p->p = va_arg(ap, const char *);
			p->is_null = p->p == NULL;
			p->len = p->p ? (unsigned long)strlen(p->p) : 0;
			break;
		case 'b':
			p->p = va_arg(ap, const void *);
			p->len = (unsigned long)va_arg(ap, size_t);
			break;
		default:
			return -1;
		}
	}
	*n = k;
	return 0;
}

static void bind_params(struct db_param *ps, size_t n, MYSQL_BIND *b)
{
	memset(b, 0, sizeof(MYSQL_BIND) * (n ? n : 1));
	for (size_t k = 0; k < n; k++) {
		struct db_param *p = &ps[k];
		switch (p->type) {
		case 'i':
		case 'u':
			b[k].buffer_type = MYSQL_TYPE_LONGLONG;
			b[k].buffer = &p->i;
			b[k].is_unsigned = p->type == 'u';
			break;
		case 'd':
			b[k].buffer_type = MYSQL_TYPE_DOUBLE;
			b[k].buffer = &p->d;
			break;
		case 's':
			b[k].buffer_type = p->is_null ? MYSQL_TYPE_NULL : MYSQL_TYPE_STRING;
			b[k].buffer = (void *)p->p;
			b[k].buffer_length = p->len;
			b[k].length = &p->len;
			b[k].is_null = &p->is_null;
			break;
		case 'b':
			b[k].buffer_type = MYSQL_TYPE_BLOB;
			b[k].buffer = (void *)p->p;
			b[k].buffer_length = p->len;
			b[k].length = &p->len;
			break;
		}
	}
}

/* Fetch the whole result set into the arena as strings. */
static int fetch_all(MYSQL_STMT *st, struct arena *a, struct db_res *res, unsigned int *errnum)
{
	MYSQL_RES *meta = mysql_stmt_result_metadata(st);
	if (!meta)
		return 0;
	if (mysql_stmt_store_result(st)) {
		*errnum = mysql_stmt_errno(st);
		mysql_free_result(meta);
		return -1;
	}
	size_t ncols = mysql_num_fields(meta), nrows = (size_t)mysql_stmt_num_rows(st);
	MYSQL_FIELD *f = mysql_fetch_fields(meta);
	MYSQL_BIND *b = arena_zalloc(a, sizeof(*b) * ncols);
	unsigned long *lens = arena_zalloc(a, sizeof(*lens) * ncols);
	my_bool *nulls = arena_zalloc(a, sizeof(*nulls) * ncols);
	char **bufs = arena_zalloc(a, sizeof(*bufs) * ncols);
	for (size_t c = 0; c < ncols; c++) {
		size_t cap = f[c].max_length + 1;
		if (cap < 32)
			cap = 32;
		bufs[c] = arena_alloc(a, cap);
		b[c].buffer_type = MYSQL_TYPE_STRING;
		b[c].buffer = bufs[c];
		b[c].buffer_length = cap;
		b[c].length = &lens[c];
		b[c].is_null = &nulls[c];
	}
	res->ncols = ncols;
	res->nrows = nrows;
	res->cells = arena_zalloc(a, sizeof(char *) * (ncols * nrows + 1));
	res->lens = arena_zalloc(a, sizeof(size_t) * (ncols * nrows + 1));
	if (mysql_stmt_bind_result(st, b)) {
		*errnum = mysql_stmt_errno(st);
		mysql_free_result(meta);
		return -1;
	}
	for (size_t r = 0; r < nrows; r++) {
		int rc = mysql_stmt_fetch(st);
		if (rc == 1 || rc == MYSQL_NO_DATA) {
			*errnum = mysql_stmt_errno(st);
			mysql_free_result(meta);
			mysql_stmt_free_result(st);
			return -1;
		}
		for (size_t c = 0; c < ncols; c++) {
			if (nulls[c])
				continue;
			size_t n = lens[c] < b[c].buffer_length ? lens[c] : b[c].buffer_length - 1;
			res->cells[r * ncols + c] = arena_strndup(a, bufs[c], n);
			res->lens[r * ncols + c] = n;
		}
	}
	mysql_free_result(meta);
	mysql_stmt_free_result(st);
	return 0;
}

static int exec_once(struct db *db, struct arena *a, struct db_res *res, const char *sql,
		     struct db_param *ps, size_t n, unsigned int *errnum)
{
	*errnum = 0;
	if (!db->conn && db_connect(db) != DB_OK) {
		*errnum = CR_CONNECTION_ERROR;
		return -1;
	}
	MYSQL_STMT *st = db_prepare(db, sql, errnum);
	if (!st)
		return -1;
	if (mysql_stmt_param_count(st) != n) {
		log_error("db: %zu parameters for %lu placeholders [%.120s]", n,
			  mysql_stmt_param_count(st), sql);
		*errnum = CR_UNKNOWN_ERROR;
		return -1;
	}
	MYSQL_BIND b[DB_MAX_PARAMS];
	bind_params(ps, n, b);
	if ((n && mysql_stmt_bind_param(st, b)) || mysql_stmt_execute(st)) {
		*errnum = mysql_stmt_errno(st);
		if (!is_conn_error(*errnum) && *errnum != ER_DUP_ENTRY)
			log_error("db: %s [%.120s]", mysql_stmt_error(st), sql);
		return -1;
	}
	if (res) {
		memset(res, 0, sizeof(*res));
		if (fetch_all(st, a, res, errnum))
			return -1;
		res->insert_id = mysql_stmt_insert_id(st);
		res->affected = mysql_stmt_affected_rows(st);
	} else {
		MYSQL_RES *meta = mysql_stmt_result_metadata(st);
		if (meta) {
			mysql_free_result(meta);
			mysql_stmt_free_result(st);
		}
	}
	return 0;
}

static int db_run(struct db *db, struct arena *a, struct db_res *res, const char *sql,
		  const char *types, va_list ap)
{
	struct db_param ps[DB_MAX_PARAMS];
	size_t n = 0;
	if (collect_params(types, ap, ps, &n)) {
		log_error("db: bad parameter types '%s'", types);
		return DB_ERR;
	}
	unsigned int e;
	if (exec_once(db, a, res, sql, ps, n, &e) == 0)
		return DB_OK;
	if (is_conn_error(e) && !db->in_tx) {
		log_info("db: connection lost, reconnecting [%.60s]", sql);
		if (db_connect(db) != DB_OK)
			return DB_DOWN;
		if (exec_once(db, a, res, sql, ps, n, &e) == 0)
			return DB_OK;
	}
	if (is_conn_error(e)) {
		db_disconnect(db);
		return DB_DOWN;
	}
	return e == ER_DUP_ENTRY ? DB_DUP : DB_ERR;
}

int db_exec(struct db *db, struct arena *a, struct db_res *res, const char *sql, const char *types,
	    ...)
{
	va_list ap;
	va_start(ap, types);
	int rc = db_run(db, a, res, sql, types, ap);
	va_end(ap);
	if (rc != DB_DOWN)
		db->writes++;
	return rc;
}

/* A statement that only reads: it starts with SELECT or WITH and takes no
 * lock. Anything else is a programming error, refused before it runs. */
int db_is_read_sql(const char *sql)
{
	while (*sql == ' ' || *sql == '\t' || *sql == '\n')
		sql++;
	if (strncasecmp(sql, "SELECT", 6) && strncasecmp(sql, "WITH", 4))
		return 0;
	return !strcasestr(sql, "FOR UPDATE") && !strcasestr(sql, "LOCK IN SHARE MODE") &&
	       !strcasestr(sql, "GET_LOCK(");
}

int db_read(struct db *db, struct arena *a, struct db_res *res, const char *sql, const char *types,
	    ...)
{
	if (!db_is_read_sql(sql)) {
		log_error("db: db_read of a statement that is not a plain read [%.120s]", sql);
		return DB_ERR;
	}
	va_list ap;
	va_start(ap, types);
	/* The one routing point: a read outside a transaction may be answered by
	 * a replica; inside one it must see the transaction's own writes. */
	int rc = db_run(db, a, res, sql, types, ap);
	va_end(ap);
	if (rc != DB_DOWN) {
		if (db->in_tx)
			db->writes++;
		else
			db->reads++;
	}
	return rc;
}

void db_counts(const struct db *db, uint64_t *reads, uint64_t *writes)
{
	*reads = db->reads;
	*writes = db->writes;
}

int db_in_tx(const struct db *db)
{
	return db->in_tx;
}

char *db_id_list(struct arena *a, const int64_t *ids, size_t n, size_t stride)
{
	char *out = arena_alloc(a, n * 21 + 3), *o = out;
	*o++ = '[';
	for (size_t k = 0; k < n; k++) {
		int64_t id;
		memcpy(&id, (const char *)ids + k * stride, sizeof(id));
		o += snprintf(o, 22, "%s%lld", k ? "," : "", (long long)id);
	}
	*o++ = ']';
	*o = '\0';
	return out;
}

const char *db_str(const struct db_res *res, size_t r, size_t c)
{
	if (!res || r >= res->nrows || c >= res->ncols)
		return NULL;
	return res->cells[r * res->ncols + c];
}

int64_t db_int(const struct db_res *res, size_t r, size_t c)
{
	const char *s = db_str(res, r, c);
	return s ? strtoll(s, NULL, 10) : 0;
}

int db_begin(struct db *db)
{
	if ((!db->conn && db_connect(db) != DB_OK) || mysql_autocommit(db->conn, 0)) {
		if (db->conn && is_conn_error(mysql_errno(db->conn)) && db_connect(db) == DB_OK &&
		    !mysql_autocommit(db->conn, 0)) {
			db->in_tx = 1;
			return DB_OK;
		}
		return DB_DOWN;
	}
	db->in_tx = 1;
	return DB_OK;
}

int db_commit(struct db *db)
{
	int rc = DB_OK;
	if (!db->conn)
		return DB_DOWN;
	db->commit_unknown = 0;
	/* Turning autocommit back on commits the open transaction (the server
	 * does it, and reports its failure): one round trip, not two. */
	if (mysql_autocommit(db->conn, 1)) {
		db->commit_unknown = is_conn_error(mysql_errno(db->conn));
		log_error("db: commit failed: %s", mysql_error(db->conn));
		mysql_rollback(db->conn);
		mysql_autocommit(db->conn, 1);
		rc = DB_ERR;
	}
	db->in_tx = 0;
	return rc;
}

struct idem **db_idem_slot(struct db *db)
{
	return &db->idem;
}

int db_commit_unknown(const struct db *db)
{
	return db->commit_unknown;
}

int db_rollback(struct db *db)
{
	db->commit_unknown = 0;
	if (!db->conn)
		return DB_DOWN;
	mysql_rollback(db->conn);
	mysql_autocommit(db->conn, 1);
	db->in_tx = 0;
	return DB_OK;
}

int db_finish(struct db *db, int ok)
{
	if (ok)
		return db_commit(db);
	db_rollback(db);
	return DB_ERR;
}

int db_run_script(struct db *db, const char *script, char *err, size_t errlen)
{
	if (!db->conn && db_connect(db) != DB_OK) {
		snprintf(err, errlen, "cannot connect to the database");
		return DB_ERR;
	}
	/* Trusted text from sql/: run it as one multi-statement batch. */
	mysql_set_server_option(db->conn, MYSQL_OPTION_MULTI_STATEMENTS_ON);
	int rc = DB_OK;
	if (mysql_real_query(db->conn, script, (unsigned long)strlen(script))) {
		snprintf(err, errlen, "%s", mysql_error(db->conn));
		rc = DB_ERR;
	} else {
		do {
			MYSQL_RES *r = mysql_store_result(db->conn);
			if (r)
				mysql_free_result(r);
			else if (mysql_field_count(db->conn) != 0) {
				snprintf(err, errlen, "%s", mysql_error(db->conn));
				rc = DB_ERR;
				break;
			}
		} while (mysql_next_result(db->conn) == 0);
		if (rc == DB_OK && mysql_errno(db->conn)) {
			snprintf(err, errlen, "%s", mysql_error(db->conn));
			rc = DB_ERR;
		}
	}
	mysql_set_server_option(db->conn, MYSQL_OPTION_MULTI_STATEMENTS_OFF);
	return rc;
}

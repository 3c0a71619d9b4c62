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

#define DB_MAX_STMTS	128
#define DB_MAX_PARAMS	64
#define DB_MAX_REPLICAS 8
/* How long a replica that failed is left alone, and how often a worker
 * reads each replica's lag, in microseconds. */
#define DB_REPLICA_RETRY_US 1000000
#define DB_REPLICA_CHECK_US 1000000
/* A request that needs the primary asks again at most this often. */
#define DB_RECHECK_US 100000

struct db_stmt {
	char *sql;
	MYSQL_STMT *stmt;
};

/* One server: the primary, or a replica. */
struct db_link {
	char name[160]; /* "primary", or the replica's address, for the logs */
	char host[256];
	char socket[CONFIG_PATH];
	int port;
	MYSQL *conn;
	struct db_stmt stmts[DB_MAX_STMTS];
	size_t nstmts;
	int64_t skip_until; /* mono us: a replica down or behind is not asked till then */
	int64_t checked_at; /* mono us: its lag was last read then */
};

struct db {
	const struct config *cfg;
	struct db_link primary;
	struct db_link replicas[DB_MAX_REPLICAS];
	size_t nreplicas, turn;
	int in_tx;
	int commit_unknown;	    /* the last commit failed on the connection */
	int primary_down;	    /* the last try to reach the primary failed */
	struct idem *idem;	    /* the request's Idempotency-Key (idem.c), or NULL */
	uint64_t reads;		    /* db_read outside a transaction: may go to a replica */
	uint64_t writes;	    /* everything else: the primary */
	int64_t primary_checked_at; /* mono us: with replicas, the primary's last check */
	/* What this request's reads on a replica must see: the primary's
	 * position when the request first read ("" before, or when the
	 * primary did not say), and the replica that has shown it. */
	int pos_read;
	char pos[DB_GTID_MAX];
	struct db_link *caught_up;
	int replicas_behind; /* none caught up in time: the primary reads, this request */
	int pos_soft;	     /* pos came from db_expect_pos: a replica without it still reads */
	/* A Galera cluster ([db] nodes): the primary link is the first node
	 * that answers, in the order given (the host's own node first). */
	struct db_link nodes[DB_MAX_REPLICAS];
	size_t nnodes;
	int deadlocked;		       /* a statement or commit of this request met a deadlock */
	int64_t primary_slow_until;    /* mono us: a gone primary's last try took a timeout */
	char soft_missed[DB_GTID_MAX]; /* a db_expect_pos position no replica reached */
	int wrote;		       /* this request wrote on the primary */
};

/* "host:port" or a socket path into link (0), or -1 when it is neither. */
static int link_address(struct db_link *l, const char *addr)
{
	l->socket[0] = 0;
	l->port = 0;
	if (addr[0] == '/') {
		if (strlen(addr) >= sizeof(l->socket))
			return -1;
		snprintf(l->socket, sizeof(l->socket), "%s", addr);
		snprintf(l->host, sizeof(l->host), "localhost");
		return 0;
	}
	const char *colon = strrchr(addr, ':');
	char *end;
	long port = colon ? strtol(colon + 1, &end, 10) : 3306;
	size_t hl = colon ? (size_t)(colon - addr) : strlen(addr);
	if ((colon && (*end || port < 1 || port > 65535)) || hl == 0 || hl >= sizeof(l->host))
		return -1;
	memcpy(l->host, addr, hl);
	l->host[hl] = 0;
	l->port = (int)port;
	return 0;
}

static size_t links_parse(const char *list, struct db_link *links, const char *what);

struct db *db_new(const struct config *cfg)
{
	struct db *db = xcalloc(1, sizeof(*db));
	db->cfg = cfg;
	snprintf(db->primary.name, sizeof(db->primary.name), "primary");
	snprintf(db->primary.host, sizeof(db->primary.host), "%s",
		 cfg->db_host[0] ? cfg->db_host : "localhost");
	if (!cfg->db_host[0])
		snprintf(db->primary.socket, sizeof(db->primary.socket), "%s", cfg->db_socket);
	db->primary.port = cfg->db_port;
	/* [db] nodes: the Galera nodes, each a possible primary */
	db->nnodes = links_parse(cfg->db_nodes, db->nodes, "node");
	return db;
}

/* Comma-separated addresses into links (at most DB_MAX_REPLICAS), each
 * named "<what> <address>": how many. A bad one is left out, and said. */
static size_t links_parse(const char *conf, struct db_link *links, const char *what)
{
	char *list = xstrdup(conf);
	size_t n = 0;
	char *save = NULL;
	for (char *t = strtok_r(list, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
		if (n == DB_MAX_REPLICAS) {
			log_error("db: more than %d %ss; the rest are left out", DB_MAX_REPLICAS,
				  what);
			break;
		}
		if (link_address(&links[n], t)) {
			log_error("db: %s address \"%s\" is neither host:port nor a socket path",
				  what, t);
			continue;
		}
		snprintf(links[n].name, sizeof(links[n].name), "%s %s", what, t);
		n++;
	}
	free(list);
	return n;
}

void db_use_replicas(struct db *db)
{
	db->nreplicas = links_parse(db->cfg->db_replicas, db->replicas, "replica");
}

static void db_drop_stmts(struct db_link *l)
{
	for (size_t i = 0; i < l->nstmts; i++) {
		if (l->stmts[i].stmt)
			mysql_stmt_close(l->stmts[i].stmt);
		free(l->stmts[i].sql);
	}
	l->nstmts = 0;
}

static void link_close(struct db_link *l)
{
	db_drop_stmts(l);
	if (l->conn)
		mysql_close(l->conn);
	l->conn = NULL;
}

static void db_disconnect(struct db *db)
{
	link_close(&db->primary);
	db->in_tx = 0;
}

void db_free(struct db *db)
{
	if (!db)
		return;
	db_disconnect(db);
	for (size_t i = 0; i < db->nreplicas; i++)
		link_close(&db->replicas[i]);
	free(db);
}

static int link_connect(struct db *db, struct db_link *l)
{
	const struct config *c = db->cfg;
	link_close(l);
	l->conn = mysql_init(NULL);
	if (!l->conn)
		return DB_DOWN;
	/* with replicas there is somewhere else to read: give up sooner */
	unsigned int timeout = l == &db->primary && !db->nreplicas && db->nnodes < 2 ? 3 : 1;
	my_bool off = 0;
	mysql_optionsv(l->conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_optionsv(l->conn, MYSQL_OPT_RECONNECT, &off);
	if (l != &db->primary || db->nreplicas || db->nnodes > 1) {
		/* a server that stops answering (a host gone, a process stopped)
		 * must not hold a request: a replica's reads are short, and
		 * another server can answer; a primary with replicas or other
		 * nodes gets a little longer (its writes), then reads go on
		 * elsewhere and writes are refused (read_only) */
		unsigned int rw = l != &db->primary ? 2 : 3;
		mysql_optionsv(l->conn, MYSQL_OPT_READ_TIMEOUT, &rw);
		mysql_optionsv(l->conn, MYSQL_OPT_WRITE_TIMEOUT, &rw);
	}
	mysql_optionsv(l->conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (!mysql_real_connect(l->conn, l->host, c->db_user, c->db_password, c->db_name,
				(unsigned)l->port, l->socket[0] ? l->socket : NULL, 0)) {
		log_error("db: connect to the %s failed: %s", l->name, mysql_error(l->conn));
		mysql_close(l->conn);
		l->conn = NULL;
		return DB_DOWN;
	}
	return DB_OK;
}

int db_connect(struct db *db)
{
	db->in_tx = 0;
	int rc = DB_DOWN;
	if (!db->nnodes)
		rc = link_connect(db, &db->primary);
	/* Galera: the first node that answers, the host's own first */
	for (size_t i = 0; i < db->nnodes && rc != DB_OK; i++) {
		struct db_link *p = &db->primary, *n = &db->nodes[i];
		memcpy(p->name, n->name, sizeof(p->name));
		memcpy(p->host, n->host, sizeof(p->host));
		memcpy(p->socket, n->socket, sizeof(p->socket));
		p->port = n->port;
		rc = link_connect(db, p);
		/* a node that accepts connections while it is not part of the
		 * cluster (joining, or cut off) answers every query with
		 * ER_UNKNOWN_COM_ERROR: the next one */
		if (rc == DB_OK && mysql_query(p->conn, "SELECT 1")) {
			log_error("db: the %s does not answer queries: %s", p->name,
				  mysql_error(p->conn));
			link_close(p);
			rc = DB_DOWN;
		} else if (rc == DB_OK) {
			mysql_free_result(mysql_store_result(p->conn));
		}
	}
	db->primary_down = rc != DB_OK;
	if (db->primary_down)
		db->primary_checked_at = now_mono_us();
	return rc;
}

/* With replicas, a primary found gone is not tried again for a second:
 * reads go on elsewhere, and a write is refused at once, not after a
 * connect timeout each. */
static int primary_resting(const struct db *db)
{
	return db->nreplicas && db->primary_down &&
	       now_mono_us() - db->primary_checked_at < DB_REPLICA_CHECK_US;
}

int db_ping(struct db *db)
{
	if (db->primary.conn && mysql_ping(db->primary.conn) == 0) {
		db->primary_down = 0;
		return DB_OK;
	}
	return db_connect(db);
}

static int is_conn_error(unsigned int e)
{
	/* ER_UNKNOWN_COM_ERROR: a Galera node that left the cluster ("WSREP
	 * has not yet prepared node for application use"): another node */
	return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST || e == CR_CONNECTION_ERROR ||
	       e == CR_CONN_HOST_ERROR || e == ER_CONNECTION_KILLED || e == ER_UNKNOWN_COM_ERROR;
}

static MYSQL_STMT *db_prepare(struct db_link *l, const char *sql, unsigned int *errnum)
{
	for (size_t i = 0; i < l->nstmts; i++)
		if (!strcmp(l->stmts[i].sql, sql))
			return l->stmts[i].stmt;
	MYSQL_STMT *st = mysql_stmt_init(l->conn);
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
	if (l->nstmts == DB_MAX_STMTS)
		db_drop_stmts(l); /* rare: many distinct statements */
	l->stmts[l->nstmts].sql = xstrdup(sql);
	l->stmts[l->nstmts].stmt = st;
	l->nstmts++;
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

static int exec_once(struct db *db, struct db_link *l, struct arena *a, struct db_res *res,
		     const char *sql, struct db_param *ps, size_t n, unsigned int *errnum)
{
	*errnum = 0;
	if (!l->conn && ((l == &db->primary && primary_resting(db)) ||
			 (l == &db->primary ? db_connect(db) : link_connect(db, l)) != DB_OK)) {
		*errnum = CR_CONNECTION_ERROR;
		return -1;
	}
	MYSQL_STMT *st = db_prepare(l, sql, errnum);
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

/* Run on link l, reconnecting and retrying once on a lost connection
 * outside a transaction. */
static int db_run_params(struct db *db, struct db_link *l, struct arena *a, struct db_res *res,
			 const char *sql, struct db_param *ps, size_t n)
{
	unsigned int e;
	int primary = l == &db->primary;
	if (exec_once(db, l, a, res, sql, ps, n, &e) == 0) {
		if (primary)
			db->primary_down = 0;
		return DB_OK;
	}
	/* A deadlock, or Galera's certification failure (the same error): a
	 * statement on its own runs once more; a transaction's is the
	 * caller's to run again (db_deadlocked). */
	if (e == ER_LOCK_DEADLOCK) {
		if (!db->in_tx && exec_once(db, l, a, res, sql, ps, n, &e) == 0)
			return DB_OK;
		db->deadlocked = 1;
		return DB_ERR;
	}
	/* exec_once's own connect failed (or the primary rests): no second try */
	int fresh = !l->conn;
	if (is_conn_error(e) && !fresh && !(primary && db->in_tx)) {
		log_info("db: connection to the %s lost, reconnecting [%.60s]", l->name, sql);
		if ((primary ? db_connect(db) : link_connect(db, l)) != DB_OK)
			return DB_DOWN;
		if (exec_once(db, l, a, res, sql, ps, n, &e) == 0) {
			if (primary)
				db->primary_down = 0;
			return DB_OK;
		}
	}
	if (is_conn_error(e)) {
		link_close(l);
		if (primary) {
			db->in_tx = 0;
			db->primary_down = 1;
			db->primary_checked_at = now_mono_us(); /* rests a second */
		}
		return DB_DOWN;
	}
	return e == ER_DUP_ENTRY ? DB_DUP : DB_ERR;
}

static int db_run(struct db *db, struct db_link *l, struct arena *a, struct db_res *res,
		  const char *sql, const char *types, va_list ap)
{
	struct db_param ps[DB_MAX_PARAMS];
	size_t n = 0;
	if (collect_params(types, ap, ps, &n)) {
		log_error("db: bad parameter types '%s'", types);
		return DB_ERR;
	}
	return db_run_params(db, l, a, res, sql, ps, n);
}

/* A write landed on the primary: this request's later reads on a replica
 * must wait for it too, so the position is read again. */
static void db_wrote(struct db *db)
{
	db->wrote = 1;
	db->pos_read = 0;
	db->pos_soft = 0;
	db->caught_up = NULL;
}

int db_exec(struct db *db, struct arena *a, struct db_res *res, const char *sql, const char *types,
	    ...)
{
	va_list ap;
	va_start(ap, types);
	int rc = db_run(db, &db->primary, a, res, sql, types, ap);
	va_end(ap);
	if (rc != DB_DOWN)
		db->writes++;
	if (rc == DB_OK && !db->in_tx)
		db_wrote(db);
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

/* ---- replicas ----------------------------------------------------------------
 * A read outside a transaction goes to the next replica in turn that is
 * up and not too far behind (its lag read at most once a second per
 * worker); one that fails is left alone for a second. Before a request's
 * first read there, the primary says where it is (@@gtid_binlog_pos), and
 * the replica waits until it has applied that much (MASTER_GTID_WAIT, up
 * to replica_wait_ms): a request sees every write committed before it read,
 * its person's own included, and what it stores in memcached is no older
 * than on one server. A replica that does not catch up in time sends the
 * read to the primary; no usable replica, the same. */

/* The replica's lag in seconds (Seconds_Behind_Master); 0 when it is not
 * receiving because the primary is gone (it holds all it got); -1 when it
 * is not applying (its SQL thread stopped), not receiving while the
 * primary is up, or does not answer. */
static int64_t replica_lag(struct db *db, struct db_link *l, struct arena *a)
{
	unsigned int e;
	struct db_res r;
	struct db_param none[1];
	if (db_run_params(db, l, a, &r, "SHOW SLAVE STATUS", none, 0) != DB_OK)
		return -1;
	MYSQL_STMT *st = db_prepare(l, "SHOW SLAVE STATUS", &e);
	MYSQL_RES *meta = st ? mysql_stmt_result_metadata(st) : NULL;
	int64_t lag = -1;
	if (meta && r.nrows == 1) {
		MYSQL_FIELD *f = mysql_fetch_fields(meta);
		const char *sql_running = NULL, *io_running = NULL, *behind = NULL;
		for (size_t c = 0; c < r.ncols; c++) {
			if (!strcmp(f[c].name, "Slave_SQL_Running"))
				sql_running = db_str(&r, 0, c);
			else if (!strcmp(f[c].name, "Slave_IO_Running"))
				io_running = db_str(&r, 0, c);
			else if (!strcmp(f[c].name, "Seconds_Behind_Master"))
				behind = db_str(&r, 0, c);
		}
		/* not receiving while the primary is there: it only falls behind */
		int receiving = io_running && !strcmp(io_running, "Yes");
		if (sql_running && !strcmp(sql_running, "Yes") && (receiving || db->primary_down))
			lag = behind ? strtoll(behind, NULL, 10) : 0;
	}
	if (meta)
		mysql_free_result(meta);
	return lag;
}

/* 1 when replica l may answer a read now. */
static int replica_usable(struct db *db, struct db_link *l, struct arena *a, int64_t now)
{
	if (now < l->skip_until)
		return 0;
	if (now - l->checked_at < DB_REPLICA_CHECK_US)
		return 1;
	int64_t lag = replica_lag(db, l, a);
	l->checked_at = now_mono_us(); /* after the check, which may have waited */
	if (lag >= 0 && lag <= db->cfg->db_replica_max_lag)
		return 1;
	if (lag < 0)
		log_info("db: the %s is not replicating; reads skip it", l->name);
	else
		log_info("db: the %s is %lld s behind; reads skip it", l->name, (long long)lag);
	l->skip_until = l->checked_at + DB_REPLICA_CHECK_US;
	return 0;
}

/* 1 when g is a GTID position ("domain-server-seq", comma separated) that
 * fits DB_GTID_MAX. */
static int gtid_ok(const char *g)
{
	size_t n = strlen(g);
	return n < DB_GTID_MAX && strspn(g, "0123456789-,") == n;
}

/* The primary's position, read once a request (none: "", when it does
 * not answer, as when it is gone and the site is read-only). */
static const char *primary_pos(struct db *db, struct arena *a)
{
	if (db->pos_read)
		return db->pos;
	db->pos_read = 1;
	db->pos[0] = 0;
	if (primary_resting(db))
		return db->pos; /* read-only: the replicas have all there is */
	struct db_res r;
	struct db_param none[1];
	const char *g = NULL;
	if (db_run_params(db, &db->primary, a, &r, "SELECT @@gtid_binlog_pos", none, 0) == DB_OK)
		g = db_str(&r, 0, 0);
	if (g && gtid_ok(g))
		snprintf(db->pos, sizeof(db->pos), "%s", g);
	else if (!db->primary_down) /* unknown, yet the primary is there */
		db->replicas_behind = 1;
	return db->pos;
}

/* 1 when replica l has applied the primary's position (waiting for it up
 * to replica_wait_ms), 0 when it has not in time, -1 when it failed. */
static int replica_caught_up(struct db *db, struct db_link *l, struct arena *a)
{
	if (db->caught_up == l)
		return 1;
	const char *pos = primary_pos(db, a);
	if (db->replicas_behind)
		return 0;
	if (!*pos) { /* the primary is gone, or has written nothing yet */
		db->caught_up = l;
		return 1;
	}
	struct db_param ps[2] = {{.type = 's'}, {.type = 'd'}};
	ps[0].p = pos;
	ps[0].len = (unsigned long)strlen(pos);
	/* (a negative timeout would wait for ever) */
	ps[1].d = (db->cfg->db_replica_wait_ms > 0 ? db->cfg->db_replica_wait_ms : 0) / 1000.0;
	struct db_res r;
	if (db_run_params(db, l, a, &r, "SELECT MASTER_GTID_WAIT(?, ?)", ps, 2) != DB_OK)
		return -1;
	if (!db_str(&r, 0, 0) || db_int(&r, 0, 0) != 0) {
		if (!db->pos_soft)
			return 0;
		snprintf(db->soft_missed, sizeof(db->soft_missed), "%s", pos);
	}
	db->caught_up = l;
	return 1;
}

/* Where a read outside a transaction goes. */
static struct db_link *read_link(struct db *db, struct arena *a)
{
	if (db->replicas_behind)
		return &db->primary;
	/* the replica this request already waited on, while it stays usable */
	if (db->caught_up && replica_usable(db, db->caught_up, a, now_mono_us()))
		return db->caught_up;
	for (size_t k = 0; k < db->nreplicas; k++) {
		struct db_link *l = &db->replicas[(db->turn + k) % db->nreplicas];
		if (!replica_usable(db, l, a, now_mono_us()))
			continue;
		int up = replica_caught_up(db, l, a);
		if (db->replicas_behind)
			break; /* the primary's position is unknown */
		if (up <= 0) { /* failed, or further behind than replica_wait_ms */
			l->skip_until = now_mono_us() + DB_REPLICA_RETRY_US;
			continue;
		}
		db->turn = (db->turn + k + 1) % db->nreplicas;
		return l;
	}
	db->replicas_behind = 1; /* none in time: the primary, for this request */
	return &db->primary;
}

int db_read(struct db *db, struct arena *a, struct db_res *res, const char *sql, const char *types,
	    ...)
{
	if (!db_is_read_sql(sql)) {
		log_error("db: db_read of a statement that is not a plain read [%.120s]", sql);
		return DB_ERR;
	}
	struct db_param ps[DB_MAX_PARAMS];
	size_t n = 0;
	va_list ap;
	va_start(ap, types);
	int bad = collect_params(types, ap, ps, &n);
	va_end(ap);
	if (bad) {
		log_error("db: bad parameter types '%s'", types);
		return DB_ERR;
	}
	/* The one routing point: a read outside a transaction may be answered by
	 * a replica; inside one it must see the transaction's own writes. */
	struct db_link *l = db->in_tx ? &db->primary : read_link(db, a);
	int rc = db_run_params(db, l, a, res, sql, ps, n);
	if (rc == DB_DOWN && l != &db->primary) { /* that replica went: ask another */
		l->skip_until = now_mono_us() + DB_REPLICA_RETRY_US;
		l = read_link(db, a);
		rc = db_run_params(db, l, a, res, sql, ps, n);
	}
	/* The primary went away under a read it was answering (no replica had
	 * seemed fit a moment before: one whose IO thread had just lost that
	 * primary looks stopped): a replica, whatever its state, now has all
	 * there is. */
	for (size_t k = 0; rc == DB_DOWN && l == &db->primary && !db->in_tx && k < db->nreplicas;
	     k++)
		rc = db_run_params(db, &db->replicas[k], a, res, sql, ps, n);
	if (rc != DB_DOWN) {
		if (db->in_tx)
			db->writes++;
		else
			db->reads++;
	}
	return rc;
}

void db_request_begin(struct db *db)
{
	db->pos_read = 0;
	db->pos[0] = 0;
	db->caught_up = NULL;
	db->replicas_behind = 0;
	db->pos_soft = 0;
	db->wrote = 0;
	db->deadlocked = 0;
	/* With replicas a worker may serve reads for a long while without
	 * asking the primary: look at it once a second, so that the pages say
	 * when it is gone (db_read_only) and stop saying so when it is back. */
	int64_t now = now_mono_us();
	if (!db->nreplicas || now - db->primary_checked_at < DB_REPLICA_CHECK_US)
		return;
	db->primary_checked_at = now;
	db_ping(db);
}

int db_deadlocked(struct db *db)
{
	int d = db->deadlocked;
	db->deadlocked = 0;
	return d;
}

int db_has_replicas(const struct db *db)
{
	return db->nreplicas > 0;
}

int db_read_only(const struct db *db)
{
	return db->primary_down && db->nreplicas > 0;
}

/* Ask a primary thought gone again: at most every DB_RECHECK_US, and not for
 * a second after a try that took a timeout's time (a host that does not
 * answer at all would hold every request); forced, at once (a person's
 * write within the minute says it was there: their read is worth a try). */
static void primary_ask(struct db *db, int force)
{
	int64_t now = now_mono_us();
	if (!db_read_only(db) || (!force && (now < db->primary_slow_until ||
					     now - db->primary_checked_at < DB_RECHECK_US)))
		return;
	db->primary_checked_at = now;
	db_ping(db);
	if (db->primary_down && now_mono_us() - now > DB_RECHECK_US)
		db->primary_slow_until = now_mono_us() + DB_REPLICA_CHECK_US;
}

void db_primary_recheck(struct db *db)
{
	primary_ask(db, 0);
}

const char *db_written_pos(struct db *db, struct arena *a)
{
	if (!db->nreplicas || !db->wrote || db->primary_down)
		return "";
	return primary_pos(db, a);
}

void db_expect_pos(struct db *db, const char *pos)
{
	/* The primary wrote pos within the last minute: ask it again even if
	 * this worker asked it a moment ago (a refused connection is quick). */
	primary_ask(db, 1);
	if (!db_read_only(db) || !pos || !gtid_ok(pos) || !strcmp(pos, db->soft_missed))
		return; /* (a position no replica reached is not waited for twice) */
	snprintf(db->pos, sizeof(db->pos), "%s", pos);
	db->pos_read = 1;
	db->pos_soft = 1;
	db->caught_up = NULL;
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
	if (!db->primary.conn && primary_resting(db))
		return DB_DOWN;
	MYSQL *m = db->primary.conn;
	if ((!m && db_connect(db) != DB_OK) || mysql_autocommit(db->primary.conn, 0)) {
		m = db->primary.conn;
		if (m && is_conn_error(mysql_errno(m)) && db_connect(db) == DB_OK &&
		    !mysql_autocommit(db->primary.conn, 0)) {
			db->in_tx = 1;
			return DB_OK;
		}
		db->primary_down = 1;
		return DB_DOWN;
	}
	db->in_tx = 1;
	return DB_OK;
}

int db_commit(struct db *db)
{
	int rc = DB_OK;
	if (!db->primary.conn)
		return DB_DOWN;
	db->commit_unknown = 0;
	/* Turning autocommit back on commits the open transaction (the server
	 * does it, and reports its failure): one round trip, not two. */
	if (mysql_autocommit(db->primary.conn, 1)) {
		db->commit_unknown = is_conn_error(mysql_errno(db->primary.conn));
		if (mysql_errno(db->primary.conn) == ER_LOCK_DEADLOCK)
			db->deadlocked = 1;
		log_error("db: commit failed: %s", mysql_error(db->primary.conn));
		mysql_rollback(db->primary.conn);
		mysql_autocommit(db->primary.conn, 1);
		rc = DB_ERR;
	}
	db->in_tx = 0;
	db_wrote(db);
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
	if (!db->primary.conn)
		return DB_DOWN;
	mysql_rollback(db->primary.conn);
	mysql_autocommit(db->primary.conn, 1);
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
	if (!db->primary.conn && db_connect(db) != DB_OK) {
		snprintf(err, errlen, "cannot connect to the database");
		return DB_ERR;
	}
	/* Trusted text from sql/: run it as one multi-statement batch. */
	mysql_set_server_option(db->primary.conn, MYSQL_OPTION_MULTI_STATEMENTS_ON);
	int rc = DB_OK;
	if (mysql_real_query(db->primary.conn, script, (unsigned long)strlen(script))) {
		snprintf(err, errlen, "%s", mysql_error(db->primary.conn));
		rc = DB_ERR;
	} else {
		do {
			MYSQL_RES *r = mysql_store_result(db->primary.conn);
			if (r)
				mysql_free_result(r);
			else if (mysql_field_count(db->primary.conn) != 0) {
				snprintf(err, errlen, "%s", mysql_error(db->primary.conn));
				rc = DB_ERR;
				break;
			}
		} while (mysql_next_result(db->primary.conn) == 0);
		if (rc == DB_OK && mysql_errno(db->primary.conn)) {
			snprintf(err, errlen, "%s", mysql_error(db->primary.conn));
			rc = DB_ERR;
		}
	}
	mysql_set_server_option(db->primary.conn, MYSQL_OPTION_MULTI_STATEMENTS_OFF);
	return rc;
}

/* insertbench.c - the write floor for `make bench`: a bare loop of INSERT +
 * COMMIT of the rows a like or a comment writes, over N connections to
 * MariaDB, each in a thread of its own (like wrk's connections), for S
 * seconds. It prints the rows per second: what a like or a comment could
 * cost if it did nothing else.
 *
 * Usage: insertbench SOCKET DB USER like|comment [CONNS [SECONDS]]
 *
 * SOCKET is MariaDB's unix socket, DB the database, USER a login that may
 * write it (by the socket's own authentication: no password). CONNS
 * defaults to 32, SECONDS to 8.
 *
 * The rows go into the real tables (same schema, indexes, foreign keys,
 * character set) but belong to scratch accounts made for the run, one per
 * connection ("insertbench-PID-N"): a like is (post, scratch account), a
 * comment the same text a benchmark comment carries, on the posts 1..the
 * highest id in turn. No counter of a real post moves, and at the end the
 * scratch accounts are deleted with everything they wrote (ON DELETE
 * CASCADE), so the data set is as it was. */
#include <mysql.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS    256
#define COMMENT_TEXT "a benchmark comment on a lovely picture"

struct opts {
	const char *sock, *db, *user;
	int comment; /* else like */
	int conns, secs;
	int64_t max_post;
	long pid;
};

struct worker {
	const struct opts *o;
	int n;
	int64_t user_id;
	uint64_t rows;
	int failed;
	pthread_t t;
};

static atomic_int go, stop;

static MYSQL *connect_db(const struct opts *o)
{
	MYSQL *m = mysql_init(NULL);
	if (!m)
		return NULL;
	mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (!mysql_real_connect(m, "localhost", o->user, NULL, o->db, 0, o->sock, 0)) {
		fprintf(stderr, "insertbench: connect: %s\n", mysql_error(m));
		mysql_close(m);
		return NULL;
	}
	return m;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	const struct opts *o = w->o;
	MYSQL *m = connect_db(o);
	MYSQL_STMT *st = m ? mysql_stmt_init(m) : NULL;
	const char *sql = o->comment ? "INSERT INTO comments (post_id, user_id, parent_id, text, "
				       "created_at) VALUES (?, ?, NULL, ?, ?)"
				     : "INSERT IGNORE INTO likes (post_id, user_id, created_at) "
				       "VALUES (?, ?, ?)";
	if (!st || mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) ||
	    mysql_autocommit(m, 0)) {
		fprintf(stderr, "insertbench: prepare: %s\n", m ? mysql_error(m) : "no connection");
		w->failed = 1;
		goto out;
	}
	long long post = 0, uid = w->user_id, now = 0;
	unsigned long tlen = sizeof(COMMENT_TEXT) - 1;
	MYSQL_BIND b[4];
	memset(b, 0, sizeof(b));
	b[0].buffer_type = b[1].buffer_type = MYSQL_TYPE_LONGLONG;
	b[0].buffer = &post;
	b[1].buffer = &uid;
	if (o->comment) {
		b[2].buffer_type = MYSQL_TYPE_STRING;
		b[2].buffer = (char *)COMMENT_TEXT;
		b[2].buffer_length = tlen;
		b[2].length = &tlen;
		b[3].buffer_type = MYSQL_TYPE_LONGLONG;
		b[3].buffer = &now;
	} else {
		b[2].buffer_type = MYSQL_TYPE_LONGLONG;
		b[2].buffer = &now;
	}
	if (mysql_stmt_bind_param(st, b)) {
		fprintf(stderr, "insertbench: bind: %s\n", mysql_stmt_error(st));
		w->failed = 1;
		goto out;
	}
	while (!atomic_load(&go))
		usleep(1000);
	/* Each connection starts at its own place among the posts. */
	int64_t i = (int64_t)w->n * (o->max_post / o->conns);
	while (!atomic_load(&stop)) {
		post = 1 + i++ % o->max_post;
		now = (long long)time(NULL);
		if (mysql_stmt_execute(st) || mysql_commit(m)) {
			fprintf(stderr, "insertbench: insert: %s\n", mysql_stmt_error(st));
			w->failed = 1;
			break;
		}
		w->rows++;
	}
out:
	if (st)
		mysql_stmt_close(st);
	if (m)
		mysql_close(m);
	return NULL;
}

static int query(MYSQL *m, const char *sql)
{
	if (mysql_query(m, sql)) {
		fprintf(stderr, "insertbench: %s [%s]\n", mysql_error(m), sql);
		return -1;
	}
	return 0;
}

/* The scratch accounts, and the highest post id. */
static int setup(MYSQL *m, struct opts *o, struct worker *w)
{
	char sql[256];
	for (int i = 0; i < o->conns; i++) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO users (username, password_hash, created_at) "
			 "VALUES ('insertbench-%ld-%d', '!', UNIX_TIMESTAMP())",
			 o->pid, i);
		if (query(m, sql))
			return -1;
		w[i].user_id = (int64_t)mysql_insert_id(m);
	}
	if (query(m, "SELECT IFNULL(MAX(id), 0) FROM posts"))
		return -1;
	MYSQL_RES *r = mysql_store_result(m);
	MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
	o->max_post = row && row[0] ? strtoll(row[0], NULL, 10) : 0;
	if (r)
		mysql_free_result(r);
	if (o->max_post <= 0) {
		fprintf(stderr, "insertbench: there are no posts to write on\n");
		return -1;
	}
	return 0;
}

static void cleanup(MYSQL *m, const struct opts *o)
{
	char sql[256];
	/* The accounts, and by ON DELETE CASCADE every row they wrote. */
	snprintf(sql, sizeof(sql), "DELETE FROM users WHERE username LIKE 'insertbench-%ld-%%'",
		 o->pid);
	query(m, sql);
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	if (argc < 5 || (strcmp(argv[4], "like") && strcmp(argv[4], "comment"))) {
		fprintf(stderr,
			"usage: insertbench SOCKET DB USER like|comment [CONNS [SECONDS]]\n");
		return 2;
	}
	o.sock = argv[1];
	o.db = argv[2];
	o.user = argv[3];
	o.comment = !strcmp(argv[4], "comment");
	o.conns = argc > 5 ? atoi(argv[5]) : 32;
	o.secs = argc > 6 ? atoi(argv[6]) : 8;
	o.pid = (long)getpid();
	if (o.conns < 1 || o.conns > MAX_CONNS || o.secs < 1) {
		fprintf(stderr, "insertbench: 1..%d connections, at least 1 second\n", MAX_CONNS);
		return 2;
	}
	if (mysql_library_init(0, NULL, NULL))
		return 1;
	MYSQL *m = connect_db(&o);
	if (!m)
		return 1;
	static struct worker w[MAX_CONNS];
	int rc = 1;
	if (setup(m, &o, w))
		goto out;
	for (int i = 0; i < o.conns; i++) {
		w[i].o = &o;
		w[i].n = i;
		if (pthread_create(&w[i].t, NULL, run, &w[i])) {
			atomic_store(&stop, 1);
			o.conns = i;
			break;
		}
	}
	usleep(200000); /* every connection made and its statement prepared */
	double t0 = now_s();
	atomic_store(&go, 1);
	sleep((unsigned)o.secs);
	atomic_store(&stop, 1);
	double t1 = now_s();
	uint64_t rows = 0;
	int failed = 0;
	for (int i = 0; i < o.conns; i++) {
		pthread_join(w[i].t, NULL);
		rows += w[i].rows;
		failed |= w[i].failed;
	}
	if (!failed) {
		printf("%.2f\n", (double)rows / (t1 - t0));
		rc = 0;
	}
out:
	cleanup(m, &o);
	mysql_close(m);
	mysql_library_end();
	return rc;
}

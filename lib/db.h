/* db.h - MariaDB access through prepared statements only, with reconnect. */
#ifndef IMAGIER_DB_H
#define IMAGIER_DB_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct config;
struct db;

/* Result of a query: every cell as a NUL-terminated arena string (NULL for
 * SQL NULL), row-major. Integers come back as their decimal text. */
struct db_res {
	size_t nrows, ncols;
	char **cells;
	size_t *lens;
	uint64_t insert_id, affected;
};

enum db_status {
	DB_OK = 0,
	DB_ERR = -1,  /* any failure; logged */
	DB_DUP = -2,  /* duplicate key (1062) */
	DB_DOWN = -3, /* cannot reach the server */
};

/* Connect using [db] config. Never returns NULL: a struct that is not
 * connected yet reconnects on first use. */
struct db *db_new(const struct config *cfg);
void db_free(struct db *db);
/* Send reads outside transactions to [db] replicas from now on. Only the
 * FastCGI workers do: imagier-gen's jobs and the command line read what
 * they then write, and ask the primary. */
void db_use_replicas(struct db *db);
/* Connect or reconnect now. Returns DB_OK or DB_DOWN. */
int db_connect(struct db *db);
/* Cheap liveness check for /healthz. Returns DB_OK or DB_DOWN. */
int db_ping(struct db *db);

/* Run a prepared statement (cached per connection by its SQL text).
 * types has one letter per '?': 'i' int64_t, 'u' uint64_t, 's' const char *
 * (NULL -> SQL NULL), 'b' const void *, size_t (binary), 'd' double.
 * res may be NULL for statements without a result set; cells live in a.
 * On a lost connection outside a transaction it reconnects and retries once.
 *   db_exec(db, a, &res, "SELECT id FROM users WHERE username = ?", "s", name);
 */
int db_exec(struct db *db, struct arena *a, struct db_res *res, const char *sql, const char *types,
	    ...);

/* The ids as a JSON array "[1,2,3]" (arena) for one prepared statement of
 * any length: ... FROM JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$')).
 * ids[k] is read at byte offset k * stride, so a field of a struct array
 * serves as well: db_id_list(a, &items[0].id, n, sizeof(items[0])). */
/* The same for a statement that only reads (SELECT or WITH, no FOR UPDATE,
 * no lock): outside a transaction it is the kind of statement a replica may
 * answer; inside one it runs on the transaction's connection like any other.
 * Every read-only query outside a transaction goes through db_read, so that
 * routing reads is one change here. A statement that is not a plain read is
 * refused with DB_ERR (and logged) before it runs. */
int db_read(struct db *db, struct arena *a, struct db_res *res, const char *sql, const char *types,
	    ...);
/* Replicas ([db] replicas): a request's reads outside transactions go to
 * one that has applied all the primary had when the request first read
 * (lib/db.c), so a request sees every write committed before it. A GTID
 * position is at most this long ("domain-server-seq", comma separated). */
#define DB_GTID_MAX 256
/* A new request: the primary's position is read again at its first read. */
void db_request_begin(struct db *db);
/* 1 when a statement or commit of this request met a deadlock (InnoDB's,
 * or a Galera certification failure) since the last call: a transaction
 * that failed for it may be run once more. */
int db_deadlocked(struct db *db);
/* 1 when replicas are configured. */
int db_has_replicas(const struct db *db);
/* 1 when the primary cannot be reached and replicas can answer reads: the
 * site is read-only for now. */
int db_read_only(const struct db *db);
/* With the primary thought gone: ask it again now, unless asked in the last
 * 100 ms (a write tries it before it is refused as read-only). */
void db_primary_recheck(struct db *db);
/* Read-your-writes across workers and hosts. The primary's position after
 * this request's own writes ("" when it wrote nothing, or without
 * replicas), for the next worker to see through db_expect_pos. */
const char *db_written_pos(struct db *db, struct arena *a);
/* A position this request's reads should see (the person's last write,
 * made by whichever worker within the last minute): a worker that thinks
 * the primary gone asks it again at once; still gone, the replicas wait for pos up to
 * replica_wait_ms, and answer even if they do not have it (there is nothing
 * newer to read). A worker that reaches the primary needs none of this: it
 * reads the primary's own position. */
void db_expect_pos(struct db *db, const char *pos);
/* 1 if sql is a plain read that db_read accepts. */
int db_is_read_sql(const char *sql);
/* Statements run since db_new: replica-eligible reads, and everything else. */
void db_counts(const struct db *db, uint64_t *reads, uint64_t *writes);
/* 1 inside db_begin ... db_commit/db_rollback. */
int db_in_tx(const struct db *db);

char *db_id_list(struct arena *a, const int64_t *ids, size_t n, size_t stride);

/* Cell accessors (row r, column c); out of range or NULL -> NULL / 0. */
const char *db_str(const struct db_res *res, size_t r, size_t c);
int64_t db_int(const struct db_res *res, size_t r, size_t c);

/* Transactions. db_commit/db_rollback end it; a failed commit rolls back. */
int db_begin(struct db *db);
int db_commit(struct db *db);
int db_rollback(struct db *db);
/* End the transaction: commit when ok, roll back otherwise. DB_OK only when
 * it committed; a failed commit rolls back too. */
int db_finish(struct db *db, int ok);
/* 1 when the last commit failed because the connection broke while it ran:
 * the server may have committed it all the same (files it points at must
 * stay); 0 when it surely did not (or did). */
int db_commit_unknown(const struct db *db);
/* Where idem.c keeps the running request's Idempotency-Key (one request at
 * a time per handle). */
struct idem;
struct idem **db_idem_slot(struct db *db);

/* Run a whole SQL script (migrations only: trusted text from sql/, never
 * request data). Statements separated by ";\n". Returns DB_OK or DB_ERR with
 * the server's message in err. */
int db_run_script(struct db *db, const char *script, char *err, size_t errlen);

#endif

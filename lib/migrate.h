/* migrate.h - the schema: the numbered files of sql/ applied in order, each
 * once (recorded in schema_migrations). */
#ifndef IMAGIER_MIGRATE_H
#define IMAGIER_MIGRATE_H

#include <stddef.h>
#include <stdio.h>

struct db;

/* Apply the sql_dir/NNN_name.sql files not yet recorded, in name order,
 * under a lock that one migrating process holds at a time; "applied NAME"
 * goes to out for each. 0 with *applied, or -1 with what failed in err
 * ("" when the database failed in mid-run). */
int migrate_apply(struct db *db, const char *sql_dir, FILE *out, int *applied, char *err,
		  size_t errlen);

#endif

/* cli_admin.h - bin/imagier's admin commands: ban, unban, suspend, role.
 * They act through lib/moderator.c as the admin pages do, and write the same
 * audit rows. */
#ifndef IMAGIER_CLI_ADMIN_H
#define IMAGIER_CLI_ADMIN_H

#include <stdio.h>

struct config;

/* 1 if cmd is one of these commands. */
int cli_admin_handles(const char *cmd);
/* Run argv[1] (a command cli_admin_handles) with its arguments. Exit code:
 * 0 done, 1 failed (the database), 2 usage or refused. */
int cli_admin(const struct config *cfg, int argc, char **argv);
/* Their lines of `imagier` usage. */
void cli_admin_usage(FILE *out);

#endif

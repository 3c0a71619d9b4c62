/* tar.h - write a POSIX ustar archive to a file descriptor, one member at a
 * time (no compression: the members that matter are images, compressed
 * already; every system opens a tar). Used by the personal data export. */
#ifndef IMAGIER_TAR_H
#define IMAGIER_TAR_H

#include <stddef.h>
#include <stdint.h>

#define TAR_NAME_MAX 99 /* member names: "a/b.json", ASCII, no "..", no leading '/' */

struct tarw {
	int fd;
	uint64_t written; /* bytes so far */
	int err;	  /* errno of the first failed write, 0 */
};

void tar_init(struct tarw *t, int fd);
/* Add a member with these bytes. 0, or -1 (bad name, or a write failed:
 * t->err says why). */
int tar_add(struct tarw *t, const char *name, const void *data, size_t len, int64_t mtime);
/* Add a member copied from the file at path. 0, -1 as above (a file that
 * cannot be read sets t->err too). */
int tar_add_file(struct tarw *t, const char *name, const char *path, int64_t mtime);
/* The two zero blocks that end an archive. 0 or -1. */
int tar_finish(struct tarw *t);
/* 1 if name is a member name tar_add accepts. */
int tar_name_ok(const char *name);

#endif

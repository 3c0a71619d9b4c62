/* fileio.h - the file writing every part of imagier that stores files
 * shares: whole reads and writes, durable temp files, synced directories. */
#ifndef IMAGIER_FILEIO_H
#define IMAGIER_FILEIO_H

#include <stddef.h>

/* Write / read exactly n bytes (retrying short transfers and EINTR).
 * 0, or -1 with errno (EIO for an unexpected end). */
int fd_write_all(int fd, const void *p, size_t n);
int fd_read_all(int fd, void *p, size_t n);
/* fsync a directory, so the entries made in it are durable. 0 or -1. */
int dir_fsync(const char *path);
/* Write p[0..n) to a new temp file "<dir>/.tmp-XXXXXX" (mode 0644), fsynced;
 * its name goes to tmp. 0, or -1 (nothing left behind). */
int file_write_temp(const char *dir, const void *p, size_t n, char *tmp, size_t tmplen);

#endif

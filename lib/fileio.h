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

/* How much room dir's file system has left for writers, against a floor of
 * min_free_mb MiB (what a careful operator keeps free: the database, logs
 * and the system share the disk): FS_ROOM_OK, FS_ROOM_LOW (below twice the
 * floor), FS_ROOM_FULL (below the floor, or no space at all), or -1 when it
 * cannot be told (statvfs failed). *free_mb (may be NULL) gets the MiB an
 * unprivileged writer may still use. */
enum { FS_ROOM_OK = 0, FS_ROOM_LOW = 1, FS_ROOM_FULL = 2 };
int fs_room(const char *dir, long min_free_mb, long long *free_mb);

#endif

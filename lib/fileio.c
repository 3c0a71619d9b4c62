/* fileio.c - see fileio.h. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

int fd_write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int fd_read_all(int fd, void *p, size_t n)
{
	char *s = p;
	while (n > 0) {
		ssize_t r = read(fd, s, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		s += r;
		n -= (size_t)r;
	}
	return 0;
}

int dir_fsync(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

int file_write_temp(const char *dir, const void *p, size_t n, char *tmp, size_t tmplen)
{
	int r = snprintf(tmp, tmplen, "%s/.tmp-XXXXXX", dir);
	if (r < 0 || (size_t)r >= tmplen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -1;
	int ok = fchmod(fd, 0644) == 0 && fd_write_all(fd, p, n) == 0 && fsync(fd) == 0;
	int e = errno;
	if (close(fd) != 0)
		ok = 0;
	if (!ok) {
		unlink(tmp);
		errno = e;
	}
	return ok ? 0 : -1;
}

int fs_room(const char *dir, long min_free_mb, long long *free_mb)
{
	struct statvfs vs;
	if (statvfs(dir, &vs) != 0)
		return -1;
	long long mb = (long long)((unsigned long long)vs.f_bavail * vs.f_frsize >> 20);
	if (free_mb)
		*free_mb = mb;
	if (vs.f_bavail == 0 || mb < min_free_mb)
		return FS_ROOM_FULL;
	if (mb < 2LL * min_free_mb)
		return FS_ROOM_LOW;
	return FS_ROOM_OK;
}

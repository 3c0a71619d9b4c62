/* tar.c - a minimal ustar writer (see tar.h). */
#include "tar.h"
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK 512

void tar_init(struct tarw *t, int fd)
{
	t->fd = fd;
	t->written = 0;
	t->err = 0;
}

static int put(struct tarw *t, const void *p, size_t n)
{
	if (fd_write_all(t->fd, p, n)) {
		t->err = errno;
		return -1;
	}
	t->written += n;
	return 0;
}

int tar_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > TAR_NAME_MAX || name[0] == '/' || strstr(name, ".."))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x21 || (unsigned char)name[i] > 0x7e)
			return 0;
	return 1;
}

static int header(struct tarw *t, const char *name, uint64_t size, int64_t mtime)
{
	if (!tar_name_ok(name) || size > 077777777777ULL) {
		t->err = EINVAL;
		return -1;
	}
	unsigned char h[BLOCK];
	memset(h, 0, sizeof(h));
	memcpy(h, name, strlen(name));
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	/* 11 octal digits: sizes below 8 GiB, times until 2242 (checked above) */
	uint64_t when = mtime > 0 && mtime < 077777777777LL ? (uint64_t)mtime : 0;
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)(size & 077777777777ULL));
	snprintf((char *)h + 136, 12, "%011llo", (unsigned long long)(when & 077777777777ULL));
	memset(h + 148, ' ', 8); /* the checksum counts itself as spaces */
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memcpy(h + 265, "imagier", 7);
	memcpy(h + 297, "imagier", 7);
	unsigned sum = 0;
	for (size_t i = 0; i < BLOCK; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
	return put(t, h, sizeof(h));
}

static int pad(struct tarw *t, uint64_t size)
{
	static const unsigned char zero[BLOCK];
	size_t rest = (size_t)(size % BLOCK);
	return rest ? put(t, zero, BLOCK - rest) : 0;
}

int tar_add(struct tarw *t, const char *name, const void *data, size_t len, int64_t mtime)
{
	if (header(t, name, len, mtime) || put(t, data, len) || pad(t, len))
		return -1;
	return 0;
}

int tar_add_file(struct tarw *t, const char *name, const char *path, int64_t mtime)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		t->err = fd < 0 ? errno : EINVAL;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	uint64_t size = (uint64_t)st.st_size, left = size;
	int rc = header(t, name, size, mtime);
	char buf[1 << 15];
	while (!rc && left) {
		ssize_t n = read(fd, buf, left < sizeof(buf) ? (size_t)left : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			t->err = n < 0 ? errno : EIO; /* the file shrank */
			rc = -1;
			break;
		}
		rc = put(t, buf, (size_t)n);
		left -= (uint64_t)n;
	}
	close(fd);
	return rc || pad(t, size) ? -1 : 0;
}

int tar_finish(struct tarw *t)
{
	static const unsigned char zero[2 * BLOCK];
	return put(t, zero, sizeof(zero));
}

/* fcgi_out.c - a FastCGI answer's STDOUT records in one writev.
 *
 * libfcgi's FCGX_PutStr cuts what it is given into records of its fixed
 * 8 KiB stream buffer and writes each with its own write(2), and nginx
 * wakes up for each: five of them for a 40 KB feed page. Records may carry
 * up to 65535 bytes (FastCGI 1.0, sections 3.3 and 5.3), so a page goes in
 * one or two, in one system call. */
#include "fcgi_out.h"

#include <errno.h>
#include <stddef.h>

struct records {
	unsigned char hdr[FCGI_OUT_RECORDS][8];
	struct iovec iov[3 * FCGI_OUT_RECORDS];
	int nh, ni;
};

/* Append the records of bytes p..p+n; -1 when they would not fit. */
static int add(struct records *r, int id, const char *p, size_t n)
{
	static const char pad[8];
	for (size_t off = 0; off < n;) {
		size_t c = n - off < FCGI_OUT_RECORD_MAX ? n - off : FCGI_OUT_RECORD_MAX;
		unsigned padl = (unsigned)((8 - (c & 7)) & 7);
		if (r->nh >= FCGI_OUT_RECORDS)
			return -1;
		unsigned char *h = r->hdr[r->nh++];
		h[0] = 1; /* FCGI_VERSION_1 */
		h[1] = 6; /* FCGI_STDOUT */
		h[2] = (unsigned char)((id >> 8) & 0xff);
		h[3] = (unsigned char)(id & 0xff);
		h[4] = (unsigned char)((c >> 8) & 0xff);
		h[5] = (unsigned char)(c & 0xff);
		h[6] = (unsigned char)padl;
		h[7] = 0;
		r->iov[r->ni++] = (struct iovec){h, 8};
		r->iov[r->ni++] = (struct iovec){(void *)(p + off), c};
		if (padl)
			r->iov[r->ni++] = (struct iovec){(void *)pad, padl};
		off += c;
	}
	return 0;
}

int fcgi_stdout_writev(int fd, int request_id, const struct iovec *piece, int n)
{
	struct records r;
	r.nh = r.ni = 0;
	for (int i = 0; i < n; i++)
		if (add(&r, request_id, piece[i].iov_base, piece[i].iov_len))
			return -1;
	struct iovec *v = r.iov;
	int left = r.ni;
	while (left > 0) {
		ssize_t w = writev(fd, v, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* the peer went away: nothing more to say */
		for (; left > 0 && (size_t)w >= v->iov_len; v++, left--)
			w -= (ssize_t)v->iov_len;
		if (left > 0) {
			v->iov_base = (char *)v->iov_base + w;
			v->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* syndication.h - what the Atom / RSS feeds and oEmbed answers are made of
 * (cgi/syndicate.c writes them): which stored size of a picture to show,
 * titles on one line, absolute URLs, dates, and the sizes of the files. */
#ifndef IMAGIER_SYNDICATION_H
#define IMAGIER_SYNDICATION_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct cJSON;
struct db;

#define SYND_NO_LIMIT	 1000000 /* "any size": above every stored width and height */
#define SYND_TITLE_CHARS 80	 /* a post's title: its feed entry's, its oEmbed links' */

/* The string member key of o, "" when absent or not a string. */
const char *synd_str(const struct cJSON *o, const char *key);
/* The number member key of o, 0 when absent or not a number. */
int64_t synd_num(const struct cJSON *o, const char *key);

struct synd_pic {
	const char *url; /* a JPEG, as lib/post.c wrote it (media.url + path) */
	int64_t w, h;
};

/* The stored size of image (a post's "image") to show within maxw x maxh:
 * the largest JPEG that fits; when none does, the smallest, with width and
 * height scaled down to fit (the URL stays the smallest file's, which the
 * consumer shows at that size). Only display sizes (which carry the visible
 * label) are shown, never sizes.original -- unless the image has no other
 * size. 0, or -1 when the image lists no JPEG. */
int synd_pic_fit(const struct cJSON *image, int64_t maxw, int64_t maxh, struct synd_pic *out);

/* s on one line (each run of white space one space, none at the ends), cut
 * to at most max characters -- at the last space when that keeps more than
 * half -- with "…" when it was cut. */
char *synd_one_line(struct arena *a, const char *s, size_t max);

/* A site path ("/p/1") as an absolute URL under origin
 * ("https://example.org"); "//host/x" takes origin's scheme; a URL with a
 * scheme stays. */
const char *synd_abs_url(struct arena *a, const char *origin, const char *path);

/* Unix time of "2026-11-24T23:59:00Z" (lib/post.c's time_iso), 0 if not. */
int64_t synd_iso_unix(const char *iso);
/* "Tue, 24 Nov 2026 23:59:00 +0000": RFC 822 for RSS (zone "+0000") and
 * HTTP dates (zone "GMT"); English names whatever the locale. */
char *synd_date_822(struct arena *a, int64_t t, const char *zone);

/* The sizes in bytes of the media files at paths (relative to media.url;
 * NULL entries are skipped) into bytes[i], in one query; left 0 (unknown)
 * when the database does not answer. */
void synd_file_bytes(struct db *db, struct arena *a, const char *const *paths, size_t n,
		     int64_t *bytes);

#endif

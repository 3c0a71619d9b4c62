/* syndication.c - the pieces of Atom / RSS feeds and oEmbed answers (see
 * syndication.h). */
#include "syndication.h"
#include "json.h"
#include "db.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *synd_str(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
	return s ? s : "";
}

int64_t synd_num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

/* synd_pic_fit's choice among the sizes other than the original
 * (originals: 0), or only the original (1). */
static void pic_pick(const cJSON *image, int64_t maxw, int64_t maxh, int originals,
		     const cJSON **best, const cJSON **small)
{
	const cJSON *s;
	int64_t best_w = 0, small_w = 0;
	*best = *small = NULL;
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(image, "sizes"))
	{
		int64_t w = synd_num(s, "width"), h = synd_num(s, "height");
		if (!*synd_str(s, "jpeg") || w <= 0 || h <= 0 ||
		    originals != !strcmp(s->string ? s->string : "", "original"))
			continue;
		if (w <= maxw && h <= maxh && w > best_w) {
			*best = s;
			best_w = w;
		}
		if (!*small || w < small_w) {
			*small = s;
			small_w = w;
		}
	}
}

int synd_pic_fit(const cJSON *image, int64_t maxw, int64_t maxh, struct synd_pic *out)
{
	const cJSON *best, *small;
	pic_pick(image, maxw, maxh, 0, &best, &small);
	if (!small) /* stored with no display size: only then the original */
		pic_pick(image, maxw, maxh, 1, &best, &small);
	const cJSON *use = best ? best : small;
	if (!use)
		return -1;
	out->url = synd_str(use, "jpeg");
	out->w = synd_num(use, "width");
	out->h = synd_num(use, "height");
	if (!best) { /* scale by min(maxw / w, maxh / h), never below a pixel */
		int64_t w = out->w, h = out->h;
		if (w * maxh > h * maxw) {
			out->w = maxw;
			out->h = h * maxw / w;
		} else {
			out->h = maxh;
			out->w = w * maxh / h;
		}
		out->w = out->w < 1 ? 1 : out->w;
		out->h = out->h < 1 ? 1 : out->h;
	}
	return 0;
}

char *synd_one_line(struct arena *a, const char *s, size_t max)
{
	size_t n = strlen(s), len = 0, chars = 0, last_space = 0;
	char *out = arena_alloc(a, n + 4);
	int cut = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		int space = ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
		if (space && (!len || out[len - 1] == ' '))
			continue;
		if ((ch & 0xC0) != 0x80 && chars++ == max) {
			/* not cut when only white space follows */
			cut = s[i + strspn(s + i, " \t\n\r")] != '\0';
			break;
		}
		if (space)
			last_space = len;
		out[len++] = space ? ' ' : (char)ch;
	}
	if (cut && last_space > len / 2)
		len = last_space;
	while (len && out[len - 1] == ' ')
		len--;
	if (cut) {
		memcpy(out + len, "\xE2\x80\xA6", 3); /* … */
		len += 3;
	}
	out[len] = '\0';
	return out;
}

const char *synd_abs_url(struct arena *a, const char *origin, const char *path)
{
	if (!strncmp(path, "//", 2))
		return arena_printf(a, "%s:%s", strncmp(origin, "http:", 5) ? "https" : "http",
				    path);
	if (path[0] == '/')
		return arena_printf(a, "%s%s", origin, path);
	return path;
}

int64_t synd_iso_unix(const char *iso)
{
	struct tm tm = {0};
	if (sscanf(iso, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

char *synd_date_822(struct arena *a, int64_t t, const char *zone)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	return arena_printf(a, "%s, %02d %s %04d %02d:%02d:%02d %s", days[tm.tm_wday], tm.tm_mday,
			    months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
			    zone);
}

void synd_file_bytes(struct db *db, struct arena *a, const char *const *paths, size_t n,
		     int64_t *bytes)
{
	cJSON *list = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		if (paths[i])
			cJSON_AddItemToArray(list, cJSON_CreateString(paths[i]));
	char *json = json_print(list);
	cJSON_Delete(list);
	struct db_res r;
	int rc = db_read(db, a, &r,
			 "SELECT STRAIGHT_JOIN m.path, m.bytes FROM JSON_TABLE(?, '$[*]' COLUMNS "
			 "(p VARCHAR(100) CHARACTER SET ascii PATH '$')) j "
			 "JOIN media_files m ON m.path = j.p",
			 "s", json);
	free(json);
	if (rc != DB_OK)
		return;
	for (size_t k = 0; k < r.nrows; k++)
		for (size_t i = 0; i < n; i++)
			if (paths[i] && !strcmp(paths[i], db_str(&r, k, 0)))
				bytes[i] = db_int(&r, k, 1);
}

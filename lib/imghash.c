/* imghash.c - perceptual-hash lookups: radius, band probes, the
 * near-duplicate links of a new post, and the blocklist of removed pictures. */
#include "imghash.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "phash.h"
#include "util.h"
#include "withhold.h"

int imghash_plainness(uint64_t h)
{
	int pop = __builtin_popcountll(h);
	return pop < 64 - pop ? pop : 64 - pop;
}

int imghash_radius(uint64_t h, int d)
{
	int half = imghash_plainness(h) / 2;
	if (d < 0)
		d = 0;
	return d < half ? d : half;
}

unsigned imghash_band(uint64_t h, int k)
{
	int shift = 64 - IMGHASH_BAND_BITS * (k + 1);
	return (unsigned)(h >> shift) & ((1u << IMGHASH_BAND_BITS) - 1);
}

static void put(uint32_t *out, size_t max, size_t *n, int k, unsigned bits)
{
	if (*n < max)
		out[(*n)++] = (uint32_t)k << 16 | bits;
}

size_t imghash_probes(uint64_t h, int d, uint32_t *out, size_t max)
{
	size_t n = 0;
	if (d < 0)
		d = 0;
	if (d > IMGHASH_MAX_RADIUS)
		d = IMGHASH_MAX_RADIUS;
	int r = d / IMGHASH_BANDS;
	for (int k = 0; k < IMGHASH_BANDS; k++) {
		unsigned v = imghash_band(h, k);
		put(out, max, &n, k, v);
		for (int i = 0; r >= 1 && i < IMGHASH_BAND_BITS; i++) {
			put(out, max, &n, k, v ^ (1u << i));
			for (int j = i + 1; r >= 2 && j < IMGHASH_BAND_BITS; j++)
				put(out, max, &n, k, v ^ (1u << i) ^ (1u << j));
		}
	}
	return n;
}

/* SQL: how far a hash may be from the blocked hash b.hash (imghash_radius
 * of b.hash with the configured distance, the first "?"). */
#define BLOCK_RADIUS "LEAST(?, LEAST(BIT_COUNT(b.hash), 64 - BIT_COUNT(b.hash)) DIV 2)"
/* SQL: the block b does not hold against the person "?" (second "?"):
 * someone other than the removed post's author, with an earlier post of
 * the same picture that is not removed itself (the one the removed post
 * copied). */
#define BLOCK_OWNER                                                                                \
	"EXISTS (SELECT 1 FROM posts o JOIN images oi ON oi.id = o.image_id "                      \
	"WHERE o.user_id = ? AND o.id < b.post_id AND o.mod_state <> 'removed' "                   \
	"AND oi.phash IS NOT NULL AND BIT_COUNT(oi.phash ^ b.hash) <= " BLOCK_RADIUS " "           \
	"AND NOT EXISTS (SELECT 1 FROM posts x WHERE x.id = b.post_id AND x.user_id = o.user_id))"

int imghash_blocked(struct db *db, struct arena *a, uint64_t h, int d, int64_t user_id,
		    int64_t *post_id)
{
	struct db_res r;
	int64_t dist = d < 0 ? 0 : d;
	if (post_id)
		*post_id = 0;
	/* A scan: the list holds removed pictures only. Each blocked hash has
	 * its own radius (imghash_radius), computed here in SQL. */
	if (db_read(db, a, &r,
		    "SELECT IFNULL(b.post_id, 0) FROM blocked_hashes b WHERE BIT_COUNT(b.hash ^ ?) "
		    "<= " BLOCK_RADIUS " AND NOT " BLOCK_OWNER " LIMIT 1",
		    "uiii", h, dist, user_id, dist) != DB_OK)
		return -1;
	if (!r.nrows)
		return 0;
	if (post_id)
		*post_id = db_int(&r, 0, 0);
	return 1;
}

static uint64_t cell_u64(const struct db_res *r, size_t i, size_t k)
{
	const char *s = db_str(r, i, k);
	return s ? strtoull(s, NULL, 10) : 0;
}

void imghash_link_near(struct db *db, struct arena *a, int near_distance, int64_t post_id)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT i.phash FROM posts p JOIN images i ON i.id = p.image_id "
		    "WHERE p.id = ? AND i.phash IS NOT NULL",
		    "i", post_id) != DB_OK ||
	    !r.nrows)
		return;
	uint64_t h = cell_u64(&r, 0, 0);
	if (imghash_plainness(h) < IMGHASH_MIN_DETAIL)
		return;
	int d = near_distance;
	d = imghash_radius(h, d < IMGHASH_MAX_RADIUS ? d : IMGHASH_MAX_RADIUS);
	uint32_t probes[IMGHASH_MAX_PROBES];
	size_t n = imghash_probes(h, d, probes, IMGHASH_MAX_PROBES);
	struct buf json = {0};
	buf_putc(&json, '[');
	for (size_t i = 0; i < n; i++)
		buf_printf(&json, "%s[%u,%u]", i ? "," : "", (unsigned)(probes[i] >> 16),
			   (unsigned)(probes[i] & 0xffff));
	buf_putc(&json, ']');
	/* Candidates share a band within d/4 bits (point lookups on the primary
	 * key of post_phash_bands); then the exact distance, within both
	 * pictures' radius (imghash_radius). */
	int found =
	    db_read(
		db, a, &r,
		"SELECT DISTINCT b.post_id, BIT_COUNT(b.phash ^ ?) AS d "
		"FROM JSON_TABLE(?, '$[*]' COLUMNS (band INT PATH '$[0]', bits INT PATH '$[1]')) j "
		"JOIN post_phash_bands b ON b.band = j.band AND b.bits = j.bits "
		"WHERE b.post_id <> ? AND BIT_COUNT(b.phash ^ ?) <= "
		"LEAST(?, LEAST(BIT_COUNT(b.phash), 64 - BIT_COUNT(b.phash)) DIV 2) "
		"ORDER BY d, b.post_id LIMIT ?",
		"usiuii", h, buf_cstr(&json), post_id, h, (int64_t)d,
		(int64_t)IMGHASH_NEAR_LINKS) == DB_OK;
	buf_free(&json);
	if (!found || db_begin(db) != DB_OK)
		return;
	int ok = 1;
	for (int k = 0; ok && k < IMGHASH_BANDS; k++)
		ok = db_exec(db, a, NULL,
			     "INSERT IGNORE INTO post_phash_bands (band, bits, post_id, phash) "
			     "VALUES (?, ?, ?, ?)",
			     "iiiu", (int64_t)k, (int64_t)imghash_band(h, k), post_id, h) == DB_OK;
	for (size_t i = 0; ok && i < r.nrows; i++)
		ok =
		    db_exec(db, a, NULL,
			    "INSERT IGNORE INTO near_duplicates (post_id, other_post_id, distance) "
			    "VALUES (?, ?, ?), (?, ?, ?)",
			    "iiiiii", post_id, db_int(&r, i, 0), db_int(&r, i, 1), db_int(&r, i, 0),
			    post_id, db_int(&r, i, 1)) == DB_OK;
	if (!ok || db_commit(db) != DB_OK) {
		if (!ok)
			db_rollback(db);
		log_error("near duplicates of post %lld: not recorded", (long long)post_id);
	}
}

/* The dHash of an image stored before hashes were kept: from its full-size
 * JPEG in the media store (the hash survives that re-encoding). */
static int hash_from_file(struct arena *a, const struct config *cfg, const char *variants,
			  uint64_t *h)
{
	cJSON *v = cJSON_Parse(variants ? variants : "");
	cJSON *jpeg =
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(v, "full"), "jpeg");
	int rc = -1;
	char *path = cJSON_IsString(jpeg) && !strstr(jpeg->valuestring, "..")
			 ? media_file_path(a, cfg->media_dir, jpeg->valuestring)
			 : NULL;
	cJSON_Delete(v);
	FILE *f = path ? fopen(path, "rb") : NULL;
	if (!f)
		return -1;
	long len = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	if (len > 0 && len <= cfg->max_upload * 4L && fseek(f, 0, SEEK_SET) == 0) {
		unsigned char *buf = arena_alloc(a, (size_t)len);
		const char *why;
		if (fread(buf, 1, (size_t)len, f) == (size_t)len &&
		    phash_dhash(buf, (size_t)len, (uint64_t)cfg->max_pixels, h, &why) == 0)
			rc = 0;
	}
	fclose(f);
	return rc;
}

void imghash_block_picture(struct db *db, struct arena *a, const struct config *cfg,
			   int64_t post_id, int64_t action_id)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT i.id, i.phash, i.variants FROM posts p JOIN images i "
		    "ON i.id = p.image_id WHERE p.id = ?",
		    "i", post_id) != DB_OK ||
	    !r.nrows) {
		log_error("blocklist: the picture of post %lld is not there", (long long)post_id);
		return;
	}
	uint64_t h = cell_u64(&r, 0, 1);
	if (!db_str(&r, 0, 1)) {
		if (hash_from_file(a, cfg, db_str(&r, 0, 2), &h)) {
			log_error("blocklist: cannot hash the picture of post %lld",
				  (long long)post_id);
			return;
		}
		db_exec(db, a, NULL, "UPDATE images SET phash = ? WHERE id = ?", "ui", h,
			db_int(&r, 0, 0));
	}
	if (db_exec(db, a, NULL,
		    "INSERT IGNORE INTO blocked_hashes (hash, action_id, post_id, created_at) "
		    "VALUES (?, NULLIF(GREATEST(?, 0), 0), ?, ?)",
		    "uiii", h, action_id, post_id, now_unix()) != DB_OK) {
		log_error("blocklist: could not block the picture of post %lld",
			  (long long)post_id);
		return;
	}
	char hex[17];
	phash_hex(h, hex);
	log_info("blocklist: picture %s of post %lld blocked (radius %d)", hex, (long long)post_id,
		 imghash_radius(h, cfg->mod_block_distance));
}

void imghash_allow_picture(struct db *db, struct arena *a, int d, int64_t post_id)
{
	struct db_res r;
	int64_t dist = d < 0 ? 0 : d;
	/* (the primary: the decision was committed a moment ago) */
	int ok = db_exec(db, a, &r,
			 "SELECT p.user_id, i.phash FROM posts p JOIN images i ON i.id = "
			 "p.image_id WHERE p.id = ? AND p.mod_state = 'visible' AND i.phash IS "
			 "NOT NULL",
			 "i", post_id) == DB_OK &&
		 db_exec(db, a, NULL, "DELETE FROM blocked_hashes WHERE post_id = ?", "i",
			 post_id) == DB_OK;
	/* Every block of the same picture that held against its author (the
	 * owner of the picture is exempt already: a decision about their post
	 * says nothing new about copies). */
	if (ok && r.nrows)
		ok = db_exec(db, a, NULL,
			     "DELETE b FROM blocked_hashes b WHERE BIT_COUNT(b.hash ^ ?) "
			     "<= " BLOCK_RADIUS " AND NOT " BLOCK_OWNER,
			     "uiii", cell_u64(&r, 0, 1), dist, db_int(&r, 0, 0), dist) == DB_OK;
	if (!ok)
		log_error("blocklist: could not unblock the picture of post %lld",
			  (long long)post_id);
}

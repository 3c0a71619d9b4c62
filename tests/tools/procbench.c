/* procbench.c - time the procedural backend and the image pipeline on its
 * output (decode, derived sizes as WebP and JPEG, blurhash, stored): median
 * and p90 ms per image at 512 and 1024 pixels; then JPEG decoding, libgd's
 * reader against jpegdec, on a 40-megapixel file and on crafted scans. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen.h"
#include "image.h"
#include "jpegcraft.h"
#include "jpegdec.h"
#include "profile.h"
#include "util.h"

static char media_dir[] = "/tmp/procbench.XXXXXX";

static const char *const prompts[] = {
    "a red sunset over the sea at night with mountains",
    "snowy mountains in the alps",
    "a city skyline at night, neon",
    "desert dunes at noon",
    "a spiral galaxy nebula",
    "abstract geometric shapes",
    "a portrait of a woman",
    "a cat sitting by the sea",
    "wild flowers in a meadow",
    "a pine forest in winter",
    "a beach with people at dawn",
    "the quick brown fox",
};

static const char *const styles[] = {
    "", "", "", "watercolor", "oil painting", "pixel art", "minimal", "vaporwave", "pencil sketch"};

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void print_row(const char *what, int side, int n, int64_t *us, size_t avg_bytes)
{
	qsort(us, (size_t)n, sizeof(*us), cmp_i64);
	printf("%-10s %4dx%-4d n=%-3d median %6.1f ms  p90 %6.1f ms  max %6.1f ms  avg %zu KiB\n",
	       what, side, side, n, us[n / 2] / 1000.0,
	       us[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1] / 1000.0, us[n - 1] / 1000.0,
	       avg_bytes / 1024);
}

/* Generate n images of side x side, then run each through image_store. */
static int run(int side, int n)
{
	int64_t *ms = xcalloc((size_t)n, sizeof(*ms));
	int64_t *store = xcalloc((size_t)n, sizeof(*store));
	size_t stored_bytes = 0;
	size_t bytes = 0;
	for (int i = 0; i < n; i++) {
		struct gen_params p = {.prompt = prompts[i % ARRAY_LEN(prompts)],
				       .negative_prompt = "",
				       .style = styles[i % ARRAY_LEN(styles)],
				       .seed = 1000u + (unsigned)i,
				       .width = side,
				       .height = side};
		struct gen_result r;
		int64_t t0 = now_mono_us();
		if (gen_procedural(&p, &r) != 0) {
			fprintf(stderr, "procbench: %s\n", r.error);
			free(ms);
			return 1;
		}
		ms[i] = now_mono_us() - t0;
		bytes += r.len;
		struct image_stored img;
		const char *why;
		t0 = now_mono_us();
		if (image_store(media_dir, r.data, r.len, 40000000, &img, &why) != 0) {
			fprintf(stderr, "procbench: store: %s\n", why);
			gen_result_free(&r);
			free(ms);
			free(store);
			return 1;
		}
		store[i] = now_mono_us() - t0;
		for (int k = 0; k < img.nv; k++)
			stored_bytes += img.v[k].bytes;
		gen_result_free(&r);
	}
	print_row("generate", side, n, ms, bytes / (size_t)n);
	print_row("pipeline", side, n, store, stored_bytes / (size_t)n);
	free(ms);
	free(store);
	return 0;
}

/* ---- JPEG decoding ---- */

#define DECODE_RUNS 3

/* Median ms of DECODE_RUNS decodes of d: by libgd (how = -1) or by
 * jpegdec_decode with min_side = how. *rc gets jpegdec's answer. */
static double decode_ms(const unsigned char *d, size_t n, int how, int *rc)
{
	int64_t us[DECODE_RUNS];
	for (int i = 0; i < DECODE_RUNS; i++) {
		gdImagePtr im = NULL;
		const char *why;
		int64_t t0 = now_mono_us();
		if (how < 0)
			im = gdImageCreateFromJpegPtr((int)n, (void *)d);
		else
			*rc = jpegdec_decode(d, n, 40000000, (uint32_t)how, &im, NULL, &why);
		us[i] = now_mono_us() - t0;
		if (im)
			gdImageDestroy(im);
	}
	qsort(us, DECODE_RUNS, sizeof(us[0]), cmp_i64);
	return (double)us[DECODE_RUNS / 2] / 1000.0;
}

static void decode_row(const char *what, const unsigned char *d, size_t n)
{
	int rc = 0;
	double gd = decode_ms(d, n, -1, &rc);
	double full = decode_ms(d, n, 0, &rc);
	int rc_full = rc;
	double small = decode_ms(d, n, PROFILE_AVATAR_SIDE, &rc);
	printf("%-34s %7zu KiB  libgd %7.1f ms  jpegdec %7.1f ms (%d)  at >= %d px %7.1f ms (%d)\n",
	       what, n / 1024, gd, full, rc_full, PROFILE_AVATAR_SIDE, small, rc);
}

/* A progressive picture of w x h with `extra` crafted scans. */
static unsigned char *scans_jpeg(int w, int h, long extra, size_t *n)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);
	if (!im)
		return NULL;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			im->tpixels[y][x] = gdTrueColor(x * 255 / w, y * 255 / h, (x ^ y) & 255);
	gdImageInterlace(im, 1);
	int size = 0;
	unsigned char *p = gdImageJpegPtr(im, &size, 85);
	gdImageDestroy(im);
	unsigned char *out = p ? jpegcraft_scans(p, (size_t)size, extra, n) : NULL;
	if (p)
		gdFree(p);
	return out;
}

static int decode_bench(void)
{
	static const struct {
		const char *what;
		int w, h;
		long extra;
	} cases[] = {{"40 MP progressive", 7000, 5700, 0},
		     {"40 MP progressive + 20 scans", 7000, 5700, 20},
		     {"2000x1500 + 3,000 scans", 2000, 1500, 3000},
		     {"1024x768 + 10,000 scans", 1024, 768, 10000}};
	printf("\n# JPEG decoding (median of %d; jpegdec's answer in parentheses)\n", DECODE_RUNS);
	image_quiet_warnings();
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		size_t n = 0;
		unsigned char *d = scans_jpeg(cases[i].w, cases[i].h, cases[i].extra, &n);
		if (!d) {
			fprintf(stderr, "procbench: could not make %s\n", cases[i].what);
			return 1;
		}
		decode_row(cases[i].what, d, n);
		free(d);
	}
	return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(int argc, char **argv)
{
	uint64_t n = 20;
	if (argc > 1 && (str_to_u64(argv[1], 10000, &n) != 0 || n == 0)) {
		fprintf(stderr, "usage: procbench [N]   (N images a size, default 20)\n");
		return 2;
	}
	if (!mkdtemp(media_dir)) {
		perror("procbench: mkdtemp");
		return 1;
	}
	int rc = run(512, (int)n) || run(1024, (int)n) || decode_bench();
	nftw(media_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}

/* procbench.c - time the procedural backend and the image pipeline on its
 * output (decode, derived sizes as WebP and JPEG, blurhash, stored): median
 * and p90 ms per image at 512 and 1024 pixels; then a post's upload of a
 * 2048x2048 JPEG and PNG step by step, and its first display size against
 * vipsthumbnail of the same file to the same size; then JPEG decoding,
 * libgd's reader against jpegdec, on a 40-megapixel file and on crafted
 * scans. */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gen.h"
#include "image.h"
#include "jpegcraft.h"
#include "jpegdec.h"
#include "label.h"
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

/* ---- a post's upload of a 2048x2048 picture ---- */

#define UPLOAD_SIDE 2048
#define VIPS_BATCH  9 /* files in one vipsthumbnail run: its cost per image */

static int64_t median_of(int64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_i64);
	return v[n / 2];
}

/* A detailed 2048x2048 picture: four procedural 1024 px ones, tiled. */
static gdImagePtr upload_picture(void)
{
	gdImagePtr im = gdImageCreateTrueColor(UPLOAD_SIDE, UPLOAD_SIDE);
	for (int t = 0; im && t < 4; t++) {
		struct gen_params p = {.prompt = prompts[t],
				       .negative_prompt = "",
				       .style = "",
				       .seed = 4242u + (unsigned)t,
				       .width = UPLOAD_SIDE / 2,
				       .height = UPLOAD_SIDE / 2};
		struct gen_result r;
		if (gen_procedural(&p, &r) != 0) {
			gdImageDestroy(im);
			return NULL;
		}
		gdImagePtr q = gdImageCreateFromPngPtr((int)r.len, r.data);
		if (!q)
			q = gdImageCreateFromWebpPtr((int)r.len, r.data);
		if (!q)
			q = gdImageCreateFromJpegPtr((int)r.len, r.data);
		gen_result_free(&r);
		if (!q) {
			gdImageDestroy(im);
			return NULL;
		}
		gdImageCopy(im, q, (t % 2) * UPLOAD_SIDE / 2, (t / 2) * UPLOAD_SIDE / 2, 0, 0,
			    UPLOAD_SIDE / 2, UPLOAD_SIDE / 2);
		gdImageDestroy(q);
	}
	return im;
}

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int rc = fwrite(p, 1, n, f) == n ? 0 : -1;
	return fclose(f) == 0 ? rc : -1;
}

/* Wall time of argv run to its end (output to /dev/null), -1 if it failed. */
static int64_t run_us(char *const argv[])
{
	int64_t t0 = now_mono_us();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return now_mono_us() - t0;
}

static void ms_cols(const char *what, const struct image_timing *t, int n, size_t bytes)
{
	int64_t v[8][64] = {{0}};
	for (int i = 0; i < n; i++) {
		v[0][i] = t[i].decode;
		v[1][i] = t[i].resample;
		v[2][i] = t[i].label;
		v[3][i] = t[i].encode;
		v[4][i] = t[i].write;
		v[5][i] = t[i].hash;
		v[6][i] = t[i].first_display;
		v[7][i] = t[i].total;
	}
	double m[8];
	for (int k = 0; k < 8; k++)
		m[k] = (double)median_of(v[k], n) / 1000.0;
	printf("%-18s %5zu KiB  decode %6.1f  resample %6.1f  label %4.1f  encode %6.1f  write "
	       "%5.1f  hashes %5.1f  first %6.1f  total %6.1f ms\n",
	       what, bytes / 1024, m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7]);
}

/* A post's upload (image_store_labelled with the default label) of a
 * 2048x2048 JPEG (quality 90) and of the same pixels as PNG, n times each,
 * interleaved with vipsthumbnail of the JPEG to 320 px. Our "first display
 * size" is the time from the uploaded bytes to the 320 px size stored as
 * WebP and JPEG: the first file the pipeline writes and, the picture being
 * square, also the feed card (card320, the size a feed shows). */
static int upload_bench(const char *dir, int n)
{
	if (n > 64)
		n = 64;
	gdImagePtr im = upload_picture();
	if (!im) {
		fprintf(stderr, "procbench: could not make the upload picture\n");
		return 1;
	}
	int jn = 0, pn = 0;
	unsigned char *jpeg = gdImageJpegPtr(im, &jn, 90);
	unsigned char *png = gdImagePngPtr(im, &pn);
	gdImageDestroy(im);
	char jpath[VIPS_BATCH][512], out[512];
	char *argv1[] = {"vipsthumbnail", jpath[0], "-s", "320", "-o", out, NULL};
	char *argvk[VIPS_BATCH + 6] = {"vipsthumbnail"};
	int rc = jpeg && png ? 0 : 1;
	for (int k = 0; rc == 0 && k < VIPS_BATCH; k++) {
		snprintf(jpath[k], sizeof(jpath[k]), "%s/upload%d.jpg", dir, k);
		argvk[1 + k] = jpath[k];
		rc = write_file(jpath[k], jpeg, (size_t)jn);
	}
	argvk[VIPS_BATCH + 1] = "-s";
	argvk[VIPS_BATCH + 2] = "320";
	argvk[VIPS_BATCH + 3] = "-o";
	argvk[VIPS_BATCH + 4] = "tn_%s.jpg"; /* next to each input */
	snprintf(out, sizeof(out), "%s/vips320.jpg", dir);

	struct image_label label = {
	    .enabled = 1, .text = "AI-generated", .corner = LABEL_BOTTOM_RIGHT, .opacity = 70};
	struct image_timing tj[64] = {{0}}, tp[64] = {{0}};
	int64_t vips1[64] = {0}, vipsk[64] = {0};
	int have_vips = 1;
	for (int i = 0; rc == 0 && i < n; i++) {
		struct image_stored img;
		const char *why;
		if (image_store_timed(media_dir, jpeg, (size_t)jn, 40000000, &label, &img, &tj[i],
				      &why) != 0 ||
		    (image_discard(media_dir, &img), 0) ||
		    image_store_timed(media_dir, png, (size_t)pn, 40000000, &label, &img, &tp[i],
				      &why) != 0) {
			fprintf(stderr, "procbench: upload: %s\n", why);
			rc = 1;
			break;
		}
		image_discard(media_dir, &img);
		if (have_vips) {
			vips1[i] = run_us(argv1);
			vipsk[i] = run_us(argvk);
			have_vips = vips1[i] >= 0 && vipsk[i] >= 0;
		}
	}
	if (rc == 0) {
		printf("\n# a post's upload of a %dx%d picture, labelled (median of %d; ms per "
		       "step, summed over the sizes; first = the bytes to the first display "
		       "size, 320x320 WebP + JPEG stored, which is also the feed card)\n",
		       UPLOAD_SIDE, UPLOAD_SIDE, n);
		ms_cols("JPEG q90 upload", tj, n, (size_t)jn);
		ms_cols("PNG upload", tp, n, (size_t)pn);
		int64_t first[64] = {0};
		for (int i = 0; i < n; i++)
			first[i] = tj[i].first_display;
		double ours = (double)median_of(first, n) / 1000.0;
		if (!have_vips) {
			printf(
			    "first display size: ours %.1f ms; vipsthumbnail not found or failed "
			    "(package libvips-tools)\n",
			    ours);
		} else {
			int64_t per[64] = {0};
			for (int i = 0; i < n; i++)
				per[i] = (vipsk[i] - vips1[i]) / (VIPS_BATCH - 1);
			double v1 = (double)median_of(vips1, n) / 1000.0;
			double vp = (double)median_of(per, n) / 1000.0;
			printf(
			    "first display size of the JPEG, 320x320: ours %.1f ms; vipsthumbnail "
			    "-s 320 %.1f ms a run (%.1f ms an image in a run of %d, without its "
			    "start)\n",
			    ours, v1, vp, VIPS_BATCH);
			printf("ratio ours / vipsthumbnail: %.2f a run, %.2f an image (target <= "
			       "1.0)\n",
			       ours / v1, vp > 0 ? ours / vp : 0.0);
		}
	}
	if (jpeg)
		gdFree(jpeg);
	if (png)
		gdFree(png);
	return rc;
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
	int only_upload = argc > 2 && strcmp(argv[2], "upload") == 0;
	if ((argc > 1 && (str_to_u64(argv[1], 10000, &n) != 0 || n == 0)) ||
	    (argc > 2 && !only_upload)) {
		fprintf(stderr, "usage: procbench [N [upload]]   (N images a size, default 20; "
				"upload: only the 2048 px upload)\n");
		return 2;
	}
	if (!mkdtemp(media_dir)) {
		perror("procbench: mkdtemp");
		return 1;
	}
	char dir[] = "/tmp/procbench-up.XXXXXX";
	if (!mkdtemp(dir)) {
		perror("procbench: mkdtemp");
		return 1;
	}
	int rc = only_upload ? upload_bench(dir, (int)n)
			     : run(512, (int)n) || run(1024, (int)n) || upload_bench(dir, (int)n) ||
				   decode_bench();
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	nftw(media_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}

/* procbench.c - time the procedural backend and the image pipeline on its
 * output (decode, derived sizes as WebP and JPEG, blurhash, stored): median
 * and p90 ms per image at 512 and 1024 pixels. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen.h"
#include "image.h"
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
	int rc = run(512, (int)n) || run(1024, (int)n);
	nftw(media_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}

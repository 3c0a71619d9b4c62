/* procbench.c - time the procedural backend: median and p90 ms per image at 512 and 1024 pixels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "util.h"

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

/* Generate n images of side x side; print the median and 90th percentile. */
static int run(int side, int n)
{
	int64_t *ms = xcalloc((size_t)n, sizeof(*ms));
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
		gen_result_free(&r);
	}
	qsort(ms, (size_t)n, sizeof(*ms), cmp_i64);
	printf("%4dx%-4d n=%-3d median %6.1f ms  p90 %6.1f ms  max %6.1f ms  avg PNG %zu KiB\n",
	       side, side, n, ms[n / 2] / 1000.0,
	       ms[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1] / 1000.0, ms[n - 1] / 1000.0,
	       bytes / (size_t)n / 1024);
	free(ms);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t n = 20;
	if (argc > 1 && (str_to_u64(argv[1], 10000, &n) != 0 || n == 0)) {
		fprintf(stderr, "usage: procbench [N]   (N images a size, default 20)\n");
		return 2;
	}
	return run(512, (int)n) || run(1024, (int)n);
}

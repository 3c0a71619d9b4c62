/* diff.c - word-level difference between two prompts (LCS over words). */
#include "diff.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <string.h>

struct words {
	const char **w;
	size_t n;
};

static void split(struct arena *a, const char *s, struct words *out)
{
	char *copy = arena_strdup(a, s ? s : "");
	size_t cap = 16, n = 0;
	const char **w = arena_alloc(a, cap * sizeof(*w));
	for (char *save = NULL, *t = strtok_r(copy, " \t\r\n", &save); t;
	     t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == cap) {
			const char **bigger = arena_alloc(a, cap * 2 * sizeof(*w));
			memcpy(bigger, w, cap * sizeof(*w));
			w = bigger;
			cap *= 2;
		}
		w[n++] = t;
	}
	out->w = w;
	out->n = n;
}

enum op { OP_SAME, OP_DEL, OP_ADD };

/* Append word to the run list, merging with the last run of the same op. */
static void emit(struct arena *a, cJSON *runs, enum op op, const char *word)
{
	static const char *const names[] = {"same", "del", "add"};
	cJSON *last = cJSON_GetArrayItem(runs, cJSON_GetArraySize(runs) - 1);
	if (last && cJSON_GetObjectItemCaseSensitive(last, names[op])) {
		cJSON *t = cJSON_GetObjectItemCaseSensitive(last, "text");
		char *joined = arena_printf(a, "%s %s", t->valuestring, word);
		cJSON_SetValuestring(t, joined);
		return;
	}
	cJSON *run = cJSON_CreateObject();
	cJSON_AddStringToObject(run, "text", word);
	cJSON_AddTrueToObject(run, names[op]);
	cJSON_AddItemToArray(runs, run);
}

cJSON *diff_words(struct arena *a, const char *from, const char *to)
{
	struct words x, y;
	split(a, from, &x);
	split(a, to, &y);
	cJSON *runs = cJSON_CreateArray();
	/* Common prefix and suffix first: long prompts with a small edit stay
	 * exact, and the quadratic part only sees the changed middle. */
	size_t pre = 0, suf = 0;
	while (pre < x.n && pre < y.n && !strcmp(x.w[pre], y.w[pre]))
		emit(a, runs, OP_SAME, x.w[pre++]);
	while (suf < x.n - pre && suf < y.n - pre &&
	       !strcmp(x.w[x.n - 1 - suf], y.w[y.n - 1 - suf]))
		suf++;
	const char **xw = x.w + pre, **yw = y.w + pre;
	size_t mx = x.n - pre - suf, my = y.n - pre - suf;
	size_t nx = mx > DIFF_MAX_WORDS ? DIFF_MAX_WORDS : mx;
	size_t ny = my > DIFF_MAX_WORDS ? DIFF_MAX_WORDS : my;
	/* L[i][j] = LCS length of xw[i..nx) and yw[j..ny). */
	uint16_t *L = arena_zalloc(a, (nx + 1) * (ny + 1) * sizeof(uint16_t));
#define AT(i, j) L[(i) * (ny + 1) + (j)]
	for (size_t i = nx; i-- > 0;)
		for (size_t j = ny; j-- > 0;)
			AT(i, j) = !strcmp(xw[i], yw[j])	  ? (uint16_t)(AT(i + 1, j + 1) + 1)
				   : AT(i + 1, j) >= AT(i, j + 1) ? AT(i + 1, j)
								  : AT(i, j + 1);
	size_t i = 0, j = 0;
	while (i < nx && j < ny) {
		if (!strcmp(xw[i], yw[j])) {
			emit(a, runs, OP_SAME, yw[j]);
			i++;
			j++;
		} else if (AT(i + 1, j) >= AT(i, j + 1)) {
			emit(a, runs, OP_DEL, xw[i++]);
		} else {
			emit(a, runs, OP_ADD, yw[j++]);
		}
	}
#undef AT
	for (; i < mx; i++)
		emit(a, runs, OP_DEL, xw[i]);
	for (; j < my; j++)
		emit(a, runs, OP_ADD, yw[j]);
	for (size_t k = y.n - suf; k < y.n; k++)
		emit(a, runs, OP_SAME, y.w[k]);
	return runs;
}

/* fuzz_textnorm.c - libFuzzer target for the moderation word filter: random bytes are folded
 * (output shape, bound, idempotence) and matched against a list (agrees with a naive scan).
 * Input: "LIST\0TEXT" (list text up to the first NUL byte), or just TEXT with a fixed list. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "textnorm.h"

static void check_folded(const char *f, size_t inlen)
{
	size_t n = strlen(f);
	size_t bound = inlen < TEXTNORM_MAX_INPUT ? inlen : TEXTNORM_MAX_INPUT;
	if (n > bound)
		abort();
	if (n && (f[0] == ' ' || f[n - 1] == ' '))
		abort();
	for (size_t i = 0; i < n; i++) {
		if (!((f[i] >= 'a' && f[i] <= 'z') || f[i] == ' '))
			abort();
		if (i && f[i] == f[i - 1]) /* no double spaces, no repeated letters */
			abort();
	}
}

/* Does word sequence w (length n) occur as whole words in f? */
static int naive_occurs(const char *f, const char *w, size_t n)
{
	for (const char *p = strstr(f, w); p; p = strstr(p + 1, w))
		if ((p == f || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return 1;
	return 0;
}

/* Walk the list lines as textnorm_list_parse does; any entry occurring in f? */
static int naive_match(struct arena *a, const char *list, const char *f)
{
	const char *p = list;
	while (*p) {
		const char *end = strchr(p, '\n'), *s = p, *e;
		if (!end)
			end = p + strlen(p);
		e = end;
		while (s < e && strchr(" \t\r\v\f", *s))
			s++;
		while (e > s && strchr(" \t\r\v\f", e[-1]))
			e--;
		if (e > s && *s != '#') {
			const char *w = textnorm_fold(a, s, (size_t)(e - s));
			if (naive_occurs(f, w, strlen(w)))
				return 1;
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	arena_init(&a);
	const char *list = "ass\nfuck\nkill yourself\n# comment\n  shit  \n";
	const char *text = (const char *)data;
	size_t tlen = size;
	const uint8_t *nul = memchr(data, 0, size);
	if (nul) {
		list = arena_strndup(&a, (const char *)data, (size_t)(nul - data));
		text = (const char *)nul + 1;
		tlen = size - (size_t)(nul - data) - 1;
	}

	const char *f = textnorm_fold(&a, text, tlen);
	check_folded(f, tlen);
	if (strcmp(textnorm_fold(&a, f, strlen(f)), f))
		abort();

	const char *reason = NULL;
	struct textnorm_list *l = textnorm_list_parse(&a, list, &reason);
	if (!l) {
		if (!reason || !*reason)
			abort();
	} else {
		const char *m = textnorm_match(l, f);
		if (!!m != naive_match(&a, list, f))
			abort();
		if (m) {
			const char *w = textnorm_fold(&a, m, strlen(m));
			if (!naive_occurs(f, w, strlen(w)))
				abort();
		}
	}
	arena_free(&a);
	return 0;
}

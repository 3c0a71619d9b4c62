/* curlsink.c - the bounded receiver of libcurl answers (curlsink.h). */
#include "curlsink.h"
#include "util.h"

#include <string.h>

size_t curl_sink_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct curl_sink *s = ud;
	size_t n = size * nmemb;
	if (n > s->max - s->len) {
		s->over = 1;
		return 0;
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 16384;
		while (cap < s->len + n + 1)
			cap *= 2;
		if (cap > s->max + 1)
			cap = s->max + 1;
		s->data = xrealloc(s->data, cap);
		s->cap = cap;
	}
	memcpy(s->data + s->len, p, n);
	s->len += n;
	s->data[s->len] = '\0';
	return n;
}

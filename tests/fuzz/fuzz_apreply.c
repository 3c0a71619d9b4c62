/* fuzz_apreply.c - libFuzzer target for what lib/apreply.c reads from other
 * servers: a Note (the object of a Create or an Update, or the document
 * itself), the local post or comment a URL names, and the leading
 * @mentions of a reply's text. Any bytes are accepted or refused; what is
 * accepted keeps its limits. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "apremote.h"
#include "apreply.h"
#include "arena.h"
#include "http.h"

#define BASE "https://imagier.example"

static void note_check(const cJSON *obj)
{
	struct ap_note n;
	const char *why;
	if (apreply_note(obj, &n, &why))
		return;
	if (!n.id || strlen(n.id) > APREMOTE_MAX_URI || strncmp(n.id, "http", 4) || !n.type ||
	    strcmp(n.type, "Note") || !n.attributed_to ||
	    strlen(n.attributed_to) > APREMOTE_MAX_URI ||
	    (n.in_reply_to && strlen(n.in_reply_to) > APREMOTE_MAX_URI) || !n.content ||
	    strlen(n.content) > APREPLY_MAX_CONTENT)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	arena_init(&a);
	char *s = arena_strndup(&a, (const char *)data, size);
	int64_t post, comment;
	if (!apreply_local(BASE, s, &post, &comment) && (post <= 0 || comment < 0))
		abort();
	const char *rest = apreply_unmention(s, "alice");
	if (rest < s || rest > s + strlen(s))
		abort();
	struct http_limits lim;
	const char *why;
	http_limits_default(&lim);
	cJSON *j = NULL;
	if (!http_parse_json(data, size, &j, &lim, &why)) {
		note_check(j);
		note_check(cJSON_GetObjectItemCaseSensitive(j, "object"));
		cJSON_Delete(j);
	}
	arena_free(&a);
	return 0;
}

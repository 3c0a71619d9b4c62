/* fuzz_apnote.c - libFuzzer target for what following remote people reads
 * from other servers (lib/apnote.c): a handle typed by a person, a
 * WebFinger answer, an actor document's key id, and a Note that becomes a
 * remote post. Any bytes are accepted or refused; what is accepted keeps
 * its limits. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "apaccount.h"
#include "apnote.h"
#include "arena.h"
#include "http.h"

static size_t chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	const char *why, *s, *t;
	arena_init(&a);
	char *text = arena_strndup(&a, (const char *)data, size);
	if (!apnote_acct(&a, text, &s, &t) &&
	    (!*s || strlen(s) > APACCOUNT_MAX_NAME || !*t || strlen(t) > 255 || strchr(s, '@') ||
	     strchr(t, '@') || strchr(t, '/')))
		abort();
	if (!apnote_jrd_self(&a, (const char *)data, size, &s, &why) &&
	    (strlen(s) > 512 || (strncmp(s, "http://", 7) && strncmp(s, "https://", 8))))
		abort();
	if (!apnote_key_id(&a, (const char *)data, size, &s, &why) && (!*s || strlen(s) > 512))
		abort();
	struct http_limits lim;
	http_limits_default(&lim);
	cJSON *j = NULL;
	if (!http_parse_json(data, size, &j, &lim, &why)) {
		struct ap_note n;
		if (!apnote_parse(&a, j, &n, &why) &&
		    (!n.id || strlen(n.id) > 512 || !n.attributed_to || !n.url || !n.in_reply_to ||
		     strlen(n.caption) > APNOTE_MAX_CAPTION || chars(n.cw) > APNOTE_MAX_CW ||
		     strlen(n.prompt) > APNOTE_MAX_PROMPT || strlen(n.image_url) > 512 ||
		     !n.image_type || !n.image_name ||
		     (*n.image_url && strncmp(n.image_url, "http", 4))))
			abort();
		cJSON_Delete(j);
	}
	arena_free(&a);
	return 0;
}

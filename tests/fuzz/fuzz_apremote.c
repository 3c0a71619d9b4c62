/* fuzz_apremote.c - libFuzzer target for what the inbox reads from other
 * servers (lib/apremote.c): an actor document read for a key, and an
 * activity read for its type, id, actor, object and addressing; and the
 * host a domain block names (lib/apmod.c, from a moderator or a keyId) and
 * the address classifier (lib/apnet.c). Any bytes are accepted or refused;
 * what is accepted keeps its limits. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "apmod.h"
#include "apnet.h"
#include "apremote.h"
#include "arena.h"
#include "http.h"

#define KEY "https://example.social/users/a#main-key"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	struct ap_remote r;
	const char *owner, *why;
	arena_init(&a);
	int rc = apremote_parse_actor(&a, (const char *)data, size, KEY, &r, &owner, &why);
	if (rc == 0 &&
	    (!r.uri || strlen(r.uri) > APREMOTE_MAX_URI || !r.inbox ||
	     strlen(r.inbox) > APREMOTE_MAX_URI || strlen(r.public_pem) > APREMOTE_MAX_PEM ||
	     strlen(r.username) > APREMOTE_MAX_NAME || strlen(r.domain) > APREMOTE_MAX_NAME))
		abort();
	if (rc == 1 && (!owner || strlen(owner) > APREMOTE_MAX_URI))
		abort();
	struct http_limits lim;
	http_limits_default(&lim);
	cJSON *j = NULL;
	if (!http_parse_json(data, size, &j, &lim, &why)) {
		struct ap_activity act;
		if (!apremote_activity(&a, j, &act, &why) &&
		    (!act.type || strlen(act.type) > APREMOTE_MAX_TYPE || !act.actor ||
		     strlen(act.actor) > APREMOTE_MAX_URI || !act.id || !act.object_id ||
		     !act.object_type || !act.object_object))
			abort();
		cJSON_Delete(j);
	}
	/* the same bytes as a host name or an address */
	char *text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = 0;
	const char *d = apmod_domain_clean(&a, text);
	if (d) {
		if (strlen(d) > APMOD_MAX_DOMAIN || !apmod_host_matches(d, d))
			abort();
		for (const char *p = d; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				abort();
	}
	int ip = apnet_ip_private(text);
	if (ip < -1 || ip > 1)
		abort();
	free(text);
	arena_free(&a);
	return 0;
}

/* fuzz_oauth.c - libFuzzer target for what OAuth clients send: scope lists,
 * redirect URIs and PKCE verifiers (lib/oauth.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "oauth.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	arena_init(&a);
	char *s = arena_strndup(&a, (const char *)data, size);
	const char *scopes = NULL, *why = NULL;
	if (oauth_scopes_parse(&a, s, &scopes, &why) == 0) {
		/* a parsed list is non-empty, bounded, parses to itself and
		 * allows each of its own scopes */
		CHECK(*scopes && strlen(scopes) <= OAUTH_SCOPES_MAX);
		const char *again = NULL;
		CHECK(oauth_scopes_parse(&a, scopes, &again, &why) == 0 && !strcmp(again, scopes));
		CHECK(oauth_scopes_within(&a, scopes, scopes));
		CHECK(oauth_scopes_within(&a, "read write follow push", scopes));
	} else {
		CHECK(why && *why);
	}
	CHECK(oauth_scope_allows("read write follow", s) == 0 || *s);
	if (oauth_redirect_uris_ok(&a, s)) {
		CHECK(strlen(s) <= OAUTH_URIS_MAX);
		struct oauth_app app = {.redirect_uris = s};
		char *first = arena_strdup(&a, s + strspn(s, " \r\n"));
		first[strcspn(first, " \r\n")] = 0;
		CHECK(oauth_redirect_ok(&a, &app, first));
	}
	/* the verifier against itself as a plain challenge, and S256 */
	size_t n = strlen(s);
	int plain = oauth_pkce_ok(s, "plain", s);
	CHECK(plain == (n >= OAUTH_VERIFIER_MIN && n <= OAUTH_VERIFIER_MAX));
	CHECK(!oauth_pkce_ok(s, "S256", s) || n >= OAUTH_VERIFIER_MIN);
	arena_free(&a);
	return 0;
}

/* httpsig.h - HTTP Signatures as the fediverse uses them
 * (draft-cavage-http-signatures-12, the way Mastodon signs and checks):
 * rsa-sha256 over "(request-target) host date digest", and
 * "Digest: SHA-256=<base64>" of the body. See docs/FEDERATION.md.
 *
 * httpsig_parse reads a Signature header with strict limits (it is outside
 * input: fuzzed by tests/fuzz/fuzz_httpsig.c); httpsig_verify checks a
 * request against a public key; httpsig_sign makes the headers of one. */
#ifndef IMAGIER_HTTPSIG_H
#define IMAGIER_HTTPSIG_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

#define HTTPSIG_MAX_HEADER  4096 /* bytes of a Signature header */
#define HTTPSIG_MAX_PARAMS  8	 /* key="value" pairs in it */
#define HTTPSIG_MAX_KEYID   512	 /* bytes of keyId */
#define HTTPSIG_MAX_NAMES   16	 /* header names in headers="..." */
#define HTTPSIG_MAX_NAME    64	 /* bytes of one such name */
#define HTTPSIG_MAX_SIG_B64 1024 /* base64 bytes of the signature (RSA-4096: 684) */
/* A signed Date may be this old (Mastodon's EXPIRATION_WINDOW_LIMIT, 12
 * hours, since its PR #8959) and this far ahead of our clock (its
 * CLOCK_SKEW_MARGIN, 1 hour). */
#define HTTPSIG_MAX_SKEW  (12 * 3600)
#define HTTPSIG_MAX_AHEAD 3600

struct httpsig_params {
	char key_id[HTTPSIG_MAX_KEYID + 1];
	char names[HTTPSIG_MAX_NAMES][HTTPSIG_MAX_NAME + 1]; /* lower case, in order */
	size_t nnames;
	unsigned char sig[HTTPSIG_MAX_SIG_B64]; /* decoded */
	size_t sig_len;
};

/* Parse a Signature header value (s, len bytes): comma-separated
 * name="value" pairs, at most HTTPSIG_MAX_PARAMS, no name twice; values are
 * quoted strings without '"' or '\' inside (created and expires may be bare
 * digits). keyId and signature are required; algorithm, when given, is
 * rsa-sha256 or hs2019 (read as rsa-sha256: the key decides, and ours are
 * RSA); headers defaults to "date". Unknown parameters are skipped. 0 with
 * *out, or -1 with *why (a static string). */
int httpsig_parse(const char *s, size_t len, struct httpsig_params *out, const char **why);

enum httpsig_result {
	HTTPSIG_OK = 0,
	HTTPSIG_MALFORMED, /* the Signature header (httpsig_parse) */
	HTTPSIG_WEAK,	   /* (request-target), host, date, or digest with a body, not signed */
	HTTPSIG_MISSING_HEADER, /* a signed header is not in the request */
	HTTPSIG_STALE,		/* Date missing, unreadable, too old or ahead (above) */
	HTTPSIG_BAD_DIGEST,	/* no SHA-256 digest, or not the body's */
	HTTPSIG_BAD_KEY,	/* the public key PEM does not load */
	HTTPSIG_BAD_SIGNATURE,	/* the signature does not verify */
};

/* A short English reason for r. */
const char *httpsig_result_text(enum httpsig_result r);

/* The value of request header name (given in lower case), or NULL. */
typedef const char *(*httpsig_header_fn)(void *arg, const char *name);

/* Check the request method (any case) target (path and query, as sent)
 * with headers from get(arg, name) and its body against public_pem
 * (SubjectPublicKeyInfo PEM), at unix time now. p (may be NULL) receives
 * the parsed Signature header (its keyId says whose key to fetch). */
enum httpsig_result httpsig_verify(const char *signature, const char *method, const char *target,
				   httpsig_header_fn get, void *arg, const void *body,
				   size_t body_len, const char *public_pem, int64_t now,
				   struct httpsig_params *p);

/* "SHA-256=<base64 of SHA-256(body)>" (arena). */
char *httpsig_digest(struct arena *a, const void *body, size_t len);

/* "Sun, 06 Nov 1994 08:49:37 GMT" for t (arena). */
char *httpsig_date(struct arena *a, int64_t t);

/* The headers that sign a request: Date (now), Digest (of the body) and
 * Signature (rsa-sha256 over "(request-target) host date digest" with
 * private_pem, keyId key_id); host is the Host header it will carry. */
struct httpsig_signed {
	const char *date, *digest, *signature;
};
/* 0 with *out (arena strings), or -1 (the key does not load, or libcrypto
 * failed). */
int httpsig_sign(struct arena *a, const char *private_pem, const char *key_id, const char *method,
		 const char *target, const char *host, int64_t now, const void *body, size_t len,
		 struct httpsig_signed *out);

#endif

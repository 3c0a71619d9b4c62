/* httpsig.c - HTTP Signatures, draft-cavage-12 as Mastodon uses it
 * (httpsig.h). */
#include "httpsig.h"
#include "buf.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- the Signature header ---------------------------------------------------- */

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Decode base64 s (n bytes, padded) into out (room max). Returns the length,
 * or -1 for anything that is not base64 or does not fit. */
static int b64_decode(const char *s, size_t n, unsigned char *out, size_t max)
{
	if (n == 0 || n % 4 || n / 4 * 3 > max)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		int ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			 (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' ||
			 (ch == '=' && i >= n - 2 && (i == n - 1 || s[n - 1] == '='));
		if (!ok)
			return -1;
	}
	int len = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	if (len < 0)
		return -1;
	len -= (s[n - 1] == '=') + (s[n - 2] == '=');
	return len;
}

/* Split "a b  c" (n bytes) into lower-case names. 0, or -1. */
static int parse_names(const char *s, size_t n, struct httpsig_params *out)
{
	size_t i = 0;
	out->nnames = 0;
	while (i < n) {
		while (i < n && s[i] == ' ')
			i++;
		size_t start = i;
		while (i < n && s[i] != ' ')
			i++;
		size_t len = i - start;
		if (!len)
			continue;
		if (len > HTTPSIG_MAX_NAME || out->nnames == HTTPSIG_MAX_NAMES)
			return -1;
		char *name = out->names[out->nnames++];
		for (size_t k = 0; k < len; k++) {
			char ch = s[start + k];
			if ((unsigned char)ch <= ' ' || ch == 0x7f || ch == ',')
				return -1;
			name[k] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
		}
		name[len] = 0;
	}
	return out->nnames ? 0 : -1;
}

int httpsig_parse(const char *s, size_t len, struct httpsig_params *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	if (!s || len == 0 || len > HTTPSIG_MAX_HEADER || memchr(s, 0, len)) {
		*why = "the Signature header is empty or too long";
		return -1;
	}
	const char *end = s + len, *p = s;
	const char *seen[HTTPSIG_MAX_PARAMS];
	size_t seen_len[HTTPSIG_MAX_PARAMS], nparams = 0;
	int have_key = 0, have_sig = 0, have_headers = 0;
	for (;;) {
		while (p < end && is_space(*p))
			p++;
		const char *name = p;
		while (p < end && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			p++;
		size_t nlen = (size_t)(p - name);
		if (!nlen || p >= end || *p != '=') {
			*why = "the Signature header is not name=\"value\" pairs";
			return -1;
		}
		if (nparams == HTTPSIG_MAX_PARAMS) {
			*why = "the Signature header has too many parameters";
			return -1;
		}
		for (size_t i = 0; i < nparams; i++)
			if (seen_len[i] == nlen && !strncasecmp(seen[i], name, nlen)) {
				*why = "a Signature parameter is given twice";
				return -1;
			}
		seen[nparams] = name;
		seen_len[nparams++] = nlen;
		p++;
		const char *val;
		size_t vlen;
		if (p < end && *p == '"') {
			val = ++p;
			while (p < end && *p != '"' && *p != '\\')
				p++;
			if (p >= end || *p != '"') {
				*why = "a Signature value is not a plain quoted string";
				return -1;
			}
			vlen = (size_t)(p - val);
			p++;
		} else {
			val = p;
			while (p < end && *p >= '0' && *p <= '9')
				p++;
			vlen = (size_t)(p - val);
			if (!vlen || vlen > 20 ||
			    !((nlen == 7 && !strncasecmp(name, "created", 7)) ||
			      (nlen == 7 && !strncasecmp(name, "expires", 7)))) {
				*why = "a Signature value is not quoted";
				return -1;
			}
		}
		for (size_t i = 0; i < vlen; i++)
			if ((unsigned char)val[i] < 0x20 || val[i] == 0x7f) {
				*why = "a Signature value has a control character";
				return -1;
			}
		if (nlen == 5 && !strncasecmp(name, "keyId", 5)) {
			if (!vlen || vlen > HTTPSIG_MAX_KEYID) {
				*why = "the keyId is empty or too long";
				return -1;
			}
			memcpy(out->key_id, val, vlen);
			out->key_id[vlen] = 0;
			have_key = 1;
		} else if (nlen == 9 && !strncasecmp(name, "algorithm", 9)) {
			if (!((vlen == 10 && !strncasecmp(val, "rsa-sha256", 10)) ||
			      (vlen == 6 && !strncasecmp(val, "hs2019", 6)))) {
				*why = "the algorithm is not rsa-sha256 (or hs2019)";
				return -1;
			}
		} else if (nlen == 7 && !strncasecmp(name, "headers", 7)) {
			if (parse_names(val, vlen, out)) {
				*why = "the headers list is empty, too long or malformed";
				return -1;
			}
			have_headers = 1;
		} else if (nlen == 9 && !strncasecmp(name, "signature", 9)) {
			int n = vlen > HTTPSIG_MAX_SIG_B64
				    ? -1
				    : b64_decode(val, vlen, out->sig, sizeof(out->sig));
			if (n <= 0) {
				*why = "the signature is not base64 of a sensible length";
				return -1;
			}
			out->sig_len = (size_t)n;
			have_sig = 1;
		}
		while (p < end && is_space(*p))
			p++;
		if (p == end)
			break;
		if (*p != ',') {
			*why = "the Signature header is not name=\"value\" pairs";
			return -1;
		}
		p++;
	}
	if (!have_key || !have_sig) {
		*why = "the Signature header lacks keyId or signature";
		return -1;
	}
	if (!have_headers) {
		strcpy(out->names[0], "date");
		out->nnames = 1;
	}
	return 0;
}

/* ---- verification ----------------------------------------------------------------- */

const char *httpsig_result_text(enum httpsig_result r)
{
	switch (r) {
	case HTTPSIG_OK:
		return "signature verified";
	case HTTPSIG_MALFORMED:
		return "the Signature header is malformed";
	case HTTPSIG_WEAK:
		return "the signature must cover (request-target), host, date and digest";
	case HTTPSIG_MISSING_HEADER:
		return "a signed header is missing from the request";
	case HTTPSIG_STALE:
		return "the Date is missing, more than 12 hours old or more than 1 hour ahead";
	case HTTPSIG_BAD_DIGEST:
		return "the Digest does not match the body";
	case HTTPSIG_BAD_KEY:
		return "the public key cannot be read";
	case HTTPSIG_BAD_SIGNATURE:
		return "the signature does not verify";
	}
	return "unknown";
}

static int signed_name(const struct httpsig_params *p, const char *name)
{
	for (size_t i = 0; i < p->nnames; i++)
		if (!strcmp(p->names[i], name))
			return 1;
	return 0;
}

/* Unix time of an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), or -1. */
static int64_t http_date(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end || *end)
		return -1;
	return (int64_t)timegm(&tm);
}

/* 1 if the Digest header (its SHA-256 entry) is the body's. */
static int digest_ok(const char *header, const void *body, size_t len)
{
	unsigned char want[EVP_MAX_MD_SIZE], got[64];
	unsigned int wlen = 0;
	if (!EVP_Digest(body, len, want, &wlen, EVP_sha256(), NULL))
		return 0;
	for (const char *p = header; p && *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t n = strcspn(p, ",");
		if (n > 8 && !strncasecmp(p, "SHA-256=", 8)) {
			size_t vlen = n - 8;
			while (vlen && p[8 + vlen - 1] == ' ')
				vlen--;
			int glen = b64_decode(p + 8, vlen, got, sizeof(got));
			return glen == (int)wlen && !memcmp(got, want, wlen);
		}
		p += n;
	}
	return 0;
}

/* The signing string of the names in p, or -1 when a header is missing. */
static int signing_string(const struct httpsig_params *p, const char *method, const char *target,
			  httpsig_header_fn get, void *arg, struct buf *out)
{
	for (size_t i = 0; i < p->nnames; i++) {
		const char *name = p->names[i];
		if (i)
			buf_putc(out, '\n');
		if (!strcmp(name, "(request-target)")) {
			buf_puts(out, "(request-target): ");
			for (const char *m = method; *m; m++)
				buf_putc(out,
					 (*m >= 'A' && *m <= 'Z') ? (char)(*m - 'A' + 'a') : *m);
			buf_printf(out, " %s", target);
			continue;
		}
		const char *v = get(arg, name);
		if (!v)
			return -1;
		while (is_space(*v))
			v++;
		size_t n = strlen(v);
		while (n && is_space(v[n - 1]))
			n--;
		buf_printf(out, "%s: ", name);
		buf_append(out, v, n);
	}
	return 0;
}

/* 1 if sig verifies data under the PEM public key, 0 if not, -1 when the
 * key does not load. */
static int rsa_verify(const char *pem, const void *data, size_t len, const unsigned char *sig,
		      size_t sig_len)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	if (!k)
		return -1;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
		 EVP_DigestVerify(md, sig, sig_len, data, len) == 1;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	return ok;
}

enum httpsig_result httpsig_verify(const char *signature, const char *method, const char *target,
				   httpsig_header_fn get, void *arg, const void *body,
				   size_t body_len, const char *public_pem, int64_t now,
				   struct httpsig_params *p)
{
	struct httpsig_params local;
	const char *why;
	if (!p)
		p = &local;
	if (!signature || httpsig_parse(signature, strlen(signature), p, &why))
		return HTTPSIG_MALFORMED;
	if (!signed_name(p, "(request-target)") || !signed_name(p, "host") ||
	    !signed_name(p, "date") || (body_len && !signed_name(p, "digest")))
		return HTTPSIG_WEAK;
	const char *date = get(arg, "date");
	int64_t t = date ? http_date(date) : -1;
	if (t < 0 || t > now + HTTPSIG_MAX_AHEAD || t < now - HTTPSIG_MAX_SKEW)
		return HTTPSIG_STALE;
	if (signed_name(p, "digest") || body_len) {
		const char *d = get(arg, "digest");
		if (!d || !digest_ok(d, body, body_len))
			return HTTPSIG_BAD_DIGEST;
	}
	struct buf s = {0};
	if (signing_string(p, method, target, get, arg, &s)) {
		buf_free(&s);
		return HTTPSIG_MISSING_HEADER;
	}
	int ok = rsa_verify(public_pem, s.data, s.len, p->sig, p->sig_len);
	buf_free(&s);
	return ok < 0 ? HTTPSIG_BAD_KEY : ok ? HTTPSIG_OK : HTTPSIG_BAD_SIGNATURE;
}

/* ---- signing ----------------------------------------------------------------------- */

static char *b64_encode(struct arena *a, const unsigned char *p, size_t n)
{
	char *out = arena_alloc(a, 4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

char *httpsig_digest(struct arena *a, const void *body, size_t len)
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!EVP_Digest(body, len, h, &n, EVP_sha256(), NULL))
		return arena_strdup(a, "");
	return arena_printf(a, "SHA-256=%s", b64_encode(a, h, n));
}

char *httpsig_date(struct arena *a, int64_t t)
{
	char s[64];
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(s, sizeof(s), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return arena_strdup(a, s);
}

struct sign_headers {
	const char *host, *date, *digest;
};

static const char *sign_get(void *arg, const char *name)
{
	const struct sign_headers *h = arg;
	return !strcmp(name, "host")	 ? h->host
	       : !strcmp(name, "date")	 ? h->date
	       : !strcmp(name, "digest") ? h->digest
					 : NULL;
}

int httpsig_sign(struct arena *a, const char *private_pem, const char *key_id, const char *method,
		 const char *target, const char *host, int64_t now, const void *body, size_t len,
		 struct httpsig_signed *out)
{
	struct sign_headers h = {host, httpsig_date(a, now), httpsig_digest(a, body, len)};
	struct httpsig_params p = {.nnames = 4};
	strcpy(p.names[0], "(request-target)");
	strcpy(p.names[1], "host");
	strcpy(p.names[2], "date");
	strcpy(p.names[3], "digest");
	struct buf s = {0};
	signing_string(&p, method, target, sign_get, &h, &s);
	BIO *b = BIO_new_mem_buf(private_pem, -1);
	EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char sig[1024];
	size_t slen = sizeof(sig);
	int ok = k && md && EVP_PKEY_get_size(k) <= (int)sizeof(sig) &&
		 EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
		 EVP_DigestSign(md, sig, &slen, (const unsigned char *)s.data, s.len) == 1;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	buf_free(&s);
	if (!ok)
		return -1;
	out->date = h.date;
	out->digest = h.digest;
	out->signature =
	    arena_printf(a,
			 "keyId=\"%s\",algorithm=\"rsa-sha256\",headers=\"(request-target) "
			 "host date digest\",signature=\"%s\"",
			 key_id, b64_encode(a, sig, slen));
	return 0;
}

/* test_httpsig.c - HTTP Signatures (lib/httpsig.c): a request signed by the
 * openssl command line verifies; a tampered header, a stale or future Date,
 * a wrong Digest, an unsigned host, a wrong key each refuse it; the
 * Signature header parser keeps its limits; and what httpsig_sign makes
 * verifies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "httpsig.h"

/* Made once with: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048
 * (a key for this test only), and the signature below with
 * openssl dgst -sha256 -sign over SIGNING_STRING. */
static const char TEST_PUB[] = "-----BEGIN PUBLIC KEY-----\n"
			       "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAzXWvLw2df7aNQsDH0Sr6\n"
			       "HqqabrvaaAvcG102U4bdlprxAxZvLy+SluTbXRsn2TppHeYDu8Z3yytv0mcxyKFv\n"
			       "ivfihPfavUxKgcUDYLNUoKjr6S9LFW6b8kCPHxVmEM0+phuOhQlTFP17q79q/FRD\n"
			       "v4/ku436StU+dX60vf1B9M0OW5z9iFecoYPZ3XAzZ49QKBJ1cvWBTaKYTBxvomsL\n"
			       "3HMzBqgUAL9ZzFAaO3ubgCoSfAVHMjNUFtClCfdcSKV5HxTkj0IGLJ+0a/6KtUXr\n"
			       "0e7W08f1rurOlU9POXRHGu83ZnKlAAGDqpHPlFZWcypXv1iR5Cu2lAJ5p2eSQJpY\n"
			       "UQIDAQAB\n"
			       "-----END PUBLIC KEY-----\n";
static const char TEST_PRIV[] = "-----BEGIN PRIVATE KEY-----\n"
				"MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDNda8vDZ1/to1C\n"
				"wMfRKvoeqppuu9poC9wbXTZTht2WmvEDFm8vL5KW5NtdGyfZOmkd5gO7xnfLK2/S\n"
				"ZzHIoW+K9+KE99q9TEqBxQNgs1SgqOvpL0sVbpvyQI8fFWYQzT6mG46FCVMU/Xur\n"
				"v2r8VEO/j+S7jfpK1T51frS9/UH0zQ5bnP2IV5yhg9ndcDNnj1AoEnVy9YFNophM\n"
				"HG+iawvcczMGqBQAv1nMUBo7e5uAKhJ8BUcyM1QW0KUJ91xIpXkfFOSPQgYsn7Rr\n"
				"/oq1RevR7tbTx/Wu6s6VT085dEca7zdmcqUAAYOqkc+UVlZzKle/WJHkK7aUAnmn\n"
				"Z5JAmlhRAgMBAAECggEAHEzAc4e5kPTRIkexfjMgPocbPHNtkvVHPRGqwPiLnwn6\n"
				"doVpjSNNWrFtMbbi1z3/apnbG8srhvWVsnJ6Xfs2hPq93bjSDU7r2FINtA0fc/2w\n"
				"eO8FtY8FtemEjTCCXYAXyAN1rwdoxTRhC3gTQWxN5J3qUJcuyY3zy3VHaf/vTMuO\n"
				"llM6z9YkVYqCc9MNLFijffkNpRSeZJtOAxQdqK1z4P7axk+My/nHl9y/MifDJuww\n"
				"aCxIFWratwIEZ1VoMMQxMmHsaJYeOfeWLEAMZd0+T/5jIGIXOaTkywqYaBuN/0Mp\n"
				"3Wnjo10eXtx92sEx0b1EEteSOwA/UVejP7mYFbcpLQKBgQDwPNTCa47PkcpQmpCi\n"
				"rweWoGNO/OLCaKItebS8Z9UPr7Wp1eDTX40QjDQEJw9RSvggkNGDqlSGVVoeUjXT\n"
				"51wJ6uq5WNSrWYrDFMZO5sOTXzGt4IwZATG+IRB10C7Qp823I/wrIViV2Uif4rto\n"
				"3TBVzLgSsAtQYJ40vVcH4ZjQxwKBgQDa8LQQQnJp3o3VpuHrUVX1aFwnOR8Y0NF+\n"
				"Sz2fTE6sgCcf1K+uyniob0L+X8ZoP9H3sZz4QmRCWFBmSwgTcw6swXKaw46KYXq/\n"
				"t2iKI0HSq5uiwpdjiO/75TfcMuhT20ML6cL898sNhhvuzPE1l5c1eUJI9ttVytT7\n"
				"HOrbNwMmJwKBgGnYs3kRwLNNrdEDuNQkv/gqpHapzxMO3N2icPJN4T7vEOBKXqti\n"
				"vxlaXJSzzPjpShe3FsinJGSneHRBjnvVxOSNv2t4awMwCYZYQeODownseEv+0ls1\n"
				"/n+hu8nctrOyK14Umcc7AvfK60eesynJwsEa2MNLE0EPwMTF43GSgS0DAoGADmAF\n"
				"gpfKSVc6es+1P60cdrt+aXjfqNJ1HtSz3BS3ia30Y6ukSVaz62M6w9boAQpHr/qy\n"
				"cr5xNMX1qXG9uwEv8nnVG4JBhqZ118akD4XXGYz48AvUws1H7IMVUtjo1jCsS0jy\n"
				"64cdhurKRLiiEcG9RN6MUpwatJxXtZElfnUzOLsCgYB1SeDqUrDZwQ0nVfb55YG7\n"
				"Ow2FVHg59Jk/rjJXEo9Sl6+cvso5cgp2NbC1wMimzcy0O7sfkVtnlcl4kdM+cpez\n"
				"QOnQKjBRMRx7mZg7AOB9XMGo6+jrKkzukMzIWa/Vj9EDdk1nLSHW1v+/Sdksfa2b\n"
				"WnnmSWsQtOj1o6xU4+DzAQ==\n"
				"-----END PRIVATE KEY-----\n";
static const char OPENSSL_SIG[] = "XuwWwNP/HijPDmlxCmhLdZIy4L7IVcOBt+s/q8giIKp+Apys1Mh6bZEGhwCfZM59"
				  "kOQ89FhnkFZ1eZs5QNAhBlMx3si9b2Y1teUv/r07h8b1rPGtc6cxvd2hTT7T9Ni9"
				  "bSucblVkcx1ouwQxs0DxuMplqn6yAAcuJqWS8fmE7+cTV261aqoGcPRvVKYXFIfo"
				  "Ne3YyVRbPX+mHUgJ8PxME252SeY11kCsQU/GTBCr9Hj/KGpjhNPMOg0n+R3rVkQB"
				  "rSr3IkNB1/zkx2Qgxu5e6S4ZJA4TI8ZI6hHUdqg6dTGOWY4cStHKFgvmDBE47kDm"
				  "UGAygIOKkEeMA/UN+rHsrQ==";

/* What OPENSSL_SIG signs (the lines joined by "\n"). */
#define BODY	"{\"type\":\"Follow\"}"
#define DIGEST	"SHA-256=GYwYnH3BiO6aICFt0ThC5bUIJ4byvqdpWtR8m5fNkww="
#define DATE	"Mon, 07 Dec 2026 15:00:00 GMT"
#define DATE_T	1796655600 /* DATE as unix time */
#define KEY_ID	"https://example.org/u/alice#main-key"
#define HEADERS "(request-target) host date digest"

struct req {
	const char *host, *date, *digest;
};

static const char *get(void *arg, const char *name)
{
	const struct req *r = arg;
	return !strcmp(name, "host")	 ? r->host
	       : !strcmp(name, "date")	 ? r->date
	       : !strcmp(name, "digest") ? r->digest
					 : NULL;
}

static char sighdr[4096];

static const char *signature(const char *algorithm, const char *headers)
{
	snprintf(sighdr, sizeof(sighdr), "keyId=\"%s\",%s%s%sheaders=\"%s\",signature=\"%s\"",
		 KEY_ID, algorithm ? "algorithm=\"" : "", algorithm ? algorithm : "",
		 algorithm ? "\"," : "", headers, OPENSSL_SIG);
	return sighdr;
}

static enum httpsig_result check(const char *sig, const char *method, const char *target,
				 struct req *r, const char *body, int64_t now)
{
	return httpsig_verify(sig, method, target, get, r, body, strlen(body), TEST_PUB, now, NULL);
}

static void openssl_signature_verifies(void **state)
{
	(void)state;
	struct req r = {"example.org", DATE, DIGEST};
	struct httpsig_params p;
	assert_int_equal(httpsig_verify(signature("rsa-sha256", HEADERS), "POST", "/u/alice/inbox",
					get, &r, BODY, strlen(BODY), TEST_PUB, DATE_T + 60, &p),
			 HTTPSIG_OK);
	assert_string_equal(p.key_id, KEY_ID);
	assert_int_equal(p.nnames, 4);
	assert_int_equal(p.sig_len, 256);
	/* hs2019 is read as rsa-sha256; no algorithm at all too */
	assert_int_equal(
	    check(signature("hs2019", HEADERS), "POST", "/u/alice/inbox", &r, BODY, DATE_T),
	    HTTPSIG_OK);
	assert_int_equal(
	    check(signature(NULL, HEADERS), "post", "/u/alice/inbox", &r, BODY, DATE_T - 3600),
	    HTTPSIG_OK);
	/* header names in any case; host in any case is another value */
	assert_int_equal(check(signature(NULL, "(Request-Target) Host DATE Digest"), "POST",
			       "/u/alice/inbox", &r, BODY, DATE_T),
			 HTTPSIG_OK);
}

static void tampering_is_refused(void **state)
{
	(void)state;
	struct req r = {"example.org", DATE, DIGEST};
	const char *sig = signature("rsa-sha256", HEADERS);
	struct req host = {"example.net", DATE, DIGEST};
	assert_int_equal(check(sig, "POST", "/u/alice/inbox", &host, BODY, DATE_T),
			 HTTPSIG_BAD_SIGNATURE);
	assert_int_equal(check(sig, "POST", "/u/bob/inbox", &r, BODY, DATE_T),
			 HTTPSIG_BAD_SIGNATURE);
	assert_int_equal(check(sig, "PUT", "/u/alice/inbox", &r, BODY, DATE_T),
			 HTTPSIG_BAD_SIGNATURE);
	struct req date = {"example.org", "Mon, 07 Dec 2026 15:00:01 GMT", DIGEST};
	assert_int_equal(check(sig, "POST", "/u/alice/inbox", &date, BODY, DATE_T),
			 HTTPSIG_BAD_SIGNATURE);
	/* another body: its digest no longer matches */
	assert_int_equal(check(sig, "POST", "/u/alice/inbox", &r, "{\"type\":\"Undo\"}", DATE_T),
			 HTTPSIG_BAD_DIGEST);
	/* a digest of the other body, signed as the first */
	struct req dig = {"example.org", DATE,
			  "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="};
	assert_int_equal(check(sig, "POST", "/u/alice/inbox", &dig, BODY, DATE_T),
			 HTTPSIG_BAD_DIGEST);
	struct req nodig = {"example.org", DATE, NULL};
	assert_int_equal(check(sig, "POST", "/u/alice/inbox", &nodig, BODY, DATE_T),
			 HTTPSIG_BAD_DIGEST);
	struct req md5 = {"example.org", DATE, "MD5=Sd/dVLAcvNLSq16eXua5uQ=="};
	assert_int_equal(check(sig, "POST", "/u/alice/inbox", &md5, BODY, DATE_T),
			 HTTPSIG_BAD_DIGEST);
	/* the signature itself changed */
	char bad[4096];
	snprintf(bad, sizeof(bad), "%s", sig);
	char *s = strstr(bad, "signature=\"") + 11;
	s[5] = s[5] == 'A' ? 'B' : 'A';
	assert_int_equal(check(bad, "POST", "/u/alice/inbox", &r, BODY, DATE_T),
			 HTTPSIG_BAD_SIGNATURE);
	/* another key */
	assert_int_equal(httpsig_verify(sig, "POST", "/u/alice/inbox", get, &r, BODY, strlen(BODY),
					"-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC "
					"KEY-----\n",
					DATE_T, NULL),
			 HTTPSIG_BAD_KEY);
}

static void dates_out_of_the_window(void **state)
{
	(void)state;
	struct req r = {"example.org", DATE, DIGEST};
	const char *sig = signature("rsa-sha256", HEADERS);
	assert_int_equal(check(sig, "POST", "/u/alice/inbox", &r, BODY, DATE_T + HTTPSIG_MAX_SKEW),
			 HTTPSIG_OK);
	assert_int_equal(
	    check(sig, "POST", "/u/alice/inbox", &r, BODY, DATE_T + HTTPSIG_MAX_SKEW + 1),
	    HTTPSIG_STALE);
	/* a Date ahead of our clock: an hour at most */
	assert_int_equal(check(sig, "POST", "/u/alice/inbox", &r, BODY, DATE_T - HTTPSIG_MAX_AHEAD),
			 HTTPSIG_OK);
	assert_int_equal(
	    check(sig, "POST", "/u/alice/inbox", &r, BODY, DATE_T - HTTPSIG_MAX_AHEAD - 1),
	    HTTPSIG_STALE);
	struct req junk = {"example.org", "yesterday", DIGEST};
	assert_int_equal(check(sig, "POST", "/u/alice/inbox", &junk, BODY, DATE_T), HTTPSIG_STALE);
	struct req none = {"example.org", NULL, DIGEST};
	assert_int_equal(check(sig, "POST", "/u/alice/inbox", &none, BODY, DATE_T), HTTPSIG_STALE);
}

static void weak_signatures_are_refused(void **state)
{
	(void)state;
	struct req r = {"example.org", DATE, DIGEST};
	assert_int_equal(check(signature(NULL, "(request-target) date digest"), "POST",
			       "/u/alice/inbox", &r, BODY, DATE_T),
			 HTTPSIG_WEAK);
	assert_int_equal(check(signature(NULL, "(request-target) host date"), "POST",
			       "/u/alice/inbox", &r, BODY, DATE_T),
			 HTTPSIG_WEAK);
	assert_int_equal(
	    check(signature(NULL, "host date digest"), "POST", "/u/alice/inbox", &r, BODY, DATE_T),
	    HTTPSIG_WEAK);
	/* no headers list: "date" only */
	char s[4096];
	snprintf(s, sizeof(s), "keyId=\"%s\",signature=\"%s\"", KEY_ID, OPENSSL_SIG);
	assert_int_equal(check(s, "POST", "/u/alice/inbox", &r, BODY, DATE_T), HTTPSIG_WEAK);
	/* a signed header the request lacks */
	assert_int_equal(
	    check(signature(NULL, HEADERS " x-extra"), "POST", "/u/alice/inbox", &r, BODY, DATE_T),
	    HTTPSIG_MISSING_HEADER);
}

static int parses(const char *s)
{
	struct httpsig_params p;
	const char *why = NULL;
	int rc = httpsig_parse(s, strlen(s), &p, &why);
	if (rc)
		assert_non_null(why);
	return rc == 0;
}

static void parser_limits(void **state)
{
	(void)state;
	assert_true(parses("keyId=\"k\",signature=\"AAAA\""));
	assert_true(parses(" keyId=\"k\" , signature=\"AAAA\" , created=1700000000, foo=\"bar\""));
	assert_false(parses(""));
	assert_false(parses("keyId=\"k\""));				    /* no signature */
	assert_false(parses("signature=\"AAAA\""));			    /* no keyId */
	assert_false(parses("keyId=\"k\",signature=\"AAAA\",keyid=\"x\"")); /* twice */
	assert_false(parses("keyId=k,signature=\"AAAA\""));		    /* unquoted */
	assert_false(parses("keyId=\"k\\\"\",signature=\"AAAA\""));	    /* escapes */
	assert_false(parses("keyId=\"k\",signature=\"AAA\""));		    /* not base64 */
	assert_false(parses("keyId=\"k\",signature=\"A*AA\""));		    /* not base64 */
	assert_false(parses("keyId=\"k\",signature=\"AAAA\",algorithm=\"rsa-sha1\"")); /* alg */
	assert_false(parses("keyId=\"k\",signature=\"AAAA\",algorithm=\"hmac-sha256\""));
	assert_false(parses("keyId=\"k\",signature=\"AAAA\",headers=\"\""));
	assert_false(parses("keyId=\"k\",signature=\"AAAA\";x"));
	assert_false(parses("keyId=\"k\",signature=\"AAAA\","));
	assert_false(parses("keyId=\"k\",signature=\"AAAA\",a=\"\",b=\"\",c=\"\",d=\"\",e=\"\","
			    "f=\"\",g=\"\"")); /* 9 parameters */
	assert_true(parses("keyId=\"k\",signature=\"AAAA\",a=\"\",b=\"\",c=\"\",d=\"\",e=\"\","
			   "f=\"\""));
	char big[HTTPSIG_MAX_HEADER + 64];
	memset(big, 'a', sizeof(big));
	memcpy(big, "keyId=\"", 7);
	strcpy(big + HTTPSIG_MAX_KEYID + 8, "\",signature=\"AAAA\"");
	assert_false(parses(big)); /* a keyId of 513 bytes */
	big[7 + HTTPSIG_MAX_KEYID] = '"';
	strcpy(big + HTTPSIG_MAX_KEYID + 8, ",signature=\"AAAA\"");
	assert_true(parses(big)); /* 512 */
	/* 17 header names */
	assert_false(parses("keyId=\"k\",signature=\"AAAA\",headers=\"a b c d e f g h i j k l m "
			    "n o p q\""));
	assert_true(
	    parses("keyId=\"k\",signature=\"AAAA\",headers=\"a b c d e f g h i j k l m n o p\""));
	char *huge = calloc(1, HTTPSIG_MAX_HEADER + 2);
	memset(huge, ' ', HTTPSIG_MAX_HEADER + 1);
	memcpy(huge, "keyId=\"k\",signature=\"AAAA\"", 26);
	assert_false(parses(huge)); /* 4097 bytes */
	huge[HTTPSIG_MAX_HEADER] = 0;
	assert_true(parses(huge)); /* 4096 */
	free(huge);
}

static void signed_requests_verify(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct httpsig_signed s;
	int64_t now = DATE_T + 5;
	assert_int_equal(httpsig_sign(&a, TEST_PRIV, KEY_ID, "POST", "/inbox", "example.org", now,
				      BODY, strlen(BODY), &s),
			 0);
	assert_string_equal(s.digest, DIGEST);
	assert_string_equal(s.date, "Mon, 07 Dec 2026 15:00:05 GMT");
	struct req r = {"example.org", s.date, s.digest};
	assert_int_equal(check(s.signature, "POST", "/inbox", &r, BODY, now), HTTPSIG_OK);
	assert_int_equal(check(s.signature, "POST", "/u/x/inbox", &r, BODY, now),
			 HTTPSIG_BAD_SIGNATURE);
	assert_int_equal(httpsig_sign(&a, "not a key", KEY_ID, "POST", "/inbox", "example.org", now,
				      BODY, strlen(BODY), &s),
			 -1);
	assert_string_equal(
	    httpsig_result_text(HTTPSIG_STALE),
	    "the Date is missing, more than 12 hours old or more than 1 hour ahead");
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(openssl_signature_verifies),
	    cmocka_unit_test(tampering_is_refused),
	    cmocka_unit_test(dates_out_of_the_window),
	    cmocka_unit_test(weak_signatures_are_refused),
	    cmocka_unit_test(parser_limits),
	    cmocka_unit_test(signed_requests_verify),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

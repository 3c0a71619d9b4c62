/* apnote.c - handles, WebFinger answers and Notes from other servers (apnote.h). */
#include "apnote.h"
#include "apaccount.h"
#include "http.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#define MAX_URI 512

static const char *str_max(const cJSON *v, size_t max)
{
	const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
	size_t n = s ? strlen(s) : 0;
	return n && n <= max ? s : NULL;
}

static const char *member(const cJSON *o, const char *name, size_t max)
{
	return cJSON_IsObject(o) ? str_max(cJSON_GetObjectItemCaseSensitive(o, name), max) : NULL;
}

static int http_url(const char *s)
{
	return s && (!strncmp(s, "http://", 7) || !strncmp(s, "https://", 8));
}

/* s when an http(s) URL of at most MAX_URI bytes, else NULL. */
static const char *url_of(const cJSON *v)
{
	const char *s = str_max(v, MAX_URI);
	if (!s && cJSON_IsObject(v)) /* a Link */
		s = member(v, "href", MAX_URI);
	return http_url(s) ? s : NULL;
}

static const char *dup0(struct arena *a, const char *s)
{
	return arena_strdup(a, s ? s : "");
}

int apnote_acct(struct arena *a, const char *in, const char **name, const char **host)
{
	if (!in)
		return -1;
	while (*in == ' ')
		in++;
	if (!strncasecmp(in, "acct:", 5))
		in += 5;
	if (*in == '@')
		in++;
	size_t len = strlen(in);
	while (len && in[len - 1] == ' ')
		len--;
	if (len > APNOTE_MAX_ACCT)
		return -1;
	const char *at = memchr(in, '@', len);
	if (!at)
		return -1;
	size_t nlen = (size_t)(at - in), hlen = len - nlen - 1;
	if (!nlen || nlen > APACCOUNT_MAX_NAME || !hlen || hlen > 255)
		return -1;
	for (size_t i = 0; i < nlen; i++) {
		unsigned char ch = (unsigned char)in[i];
		if (!isalnum(ch) && ch != '_' && ch != '.' && ch != '-')
			return -1;
	}
	char *h = arena_strndup(a, at + 1, hlen);
	for (char *p = h; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (!isalnum(ch) && !strchr(".-:[]", ch))
			return -1;
		*p = (char)tolower(ch);
	}
	if (*h == '.' || *h == ':' || *h == '-')
		return -1;
	*name = arena_strndup(a, in, nlen);
	*host = h;
	return 0;
}

/* body as a JSON object (the JSON limits), or NULL with *why. */
static cJSON *parse_doc(const char *body, size_t len, const char **why)
{
	struct http_limits lim;
	cJSON *doc = NULL;
	http_limits_default(&lim);
	if (http_parse_json((const unsigned char *)body, len, &doc, &lim, why))
		return NULL;
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		*why = "not a JSON object";
		return NULL;
	}
	return doc;
}

static int ap_type(const char *t)
{
	return t && (!strncmp(t, "application/activity+json", 25) ||
		     !strncmp(t, "application/ld+json", 19));
}

int apnote_jrd_self(struct arena *a, const char *body, size_t len, const char **href,
		    const char **why)
{
	cJSON *doc = parse_doc(body, len, why), *l;
	if (!doc)
		return -1;
	const cJSON *links = cJSON_GetObjectItemCaseSensitive(doc, "links");
	int n = 0, rc = -1;
	*why = "the WebFinger answer has no ActivityPub actor link";
	if (!cJSON_IsArray(links))
		links = NULL;
	cJSON_ArrayForEach(l, links)
	{
		if (++n > APNOTE_MAX_LINKS)
			break;
		const char *rel = member(l, "rel", 256), *type = member(l, "type", 256);
		const char *h = member(l, "href", MAX_URI);
		if (rel && !strcmp(rel, "self") && ap_type(type) && http_url(h)) {
			*href = arena_strdup(a, h);
			rc = 0;
			break;
		}
	}
	cJSON_Delete(doc);
	return rc;
}

int apnote_key_id(struct arena *a, const char *body, size_t len, const char **key_id,
		  const char **why)
{
	cJSON *doc = parse_doc(body, len, why);
	if (!doc)
		return -1;
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(doc, "publicKey");
	if (cJSON_IsArray(k))
		k = cJSON_GetArrayItem(k, 0);
	const char *id = member(k, "id", MAX_URI);
	if (id)
		*key_id = arena_strdup(a, id);
	else
		*why = "the actor has no public key";
	cJSON_Delete(doc);
	return id ? 0 : -1;
}

int apnote_same_host(const char *url, const char *host)
{
	const char *p = url ? strstr(url, "://") : NULL;
	if (!p || !host)
		return 0;
	p += 3;
	size_t n = strcspn(p, "/?#");
	return n == strlen(host) && !strncasecmp(p, host, n);
}

static int ai_source(const char *s)
{
	if (!s)
		return 0;
	const char *slash = strrchr(s, '/');
	const char *term = slash ? slash + 1 : s;
	return !strcmp(term, "trainedAlgorithmicMedia") ||
	       !strcmp(term, "compositeWithTrainedAlgorithmicMedia");
}

/* The image of attachment entry e: 1 with out's image fields, else 0. */
static int attachment(struct arena *a, const cJSON *e, struct ap_note *out)
{
	if (!cJSON_IsObject(e))
		return 0;
	const char *type = member(e, "type", 64), *mt = member(e, "mediaType", 128);
	if (mt ? strncasecmp(mt, "image/", 6) != 0
	       : !type || (strcmp(type, "Image") && strcmp(type, "Document")))
		return 0;
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(e, "url");
	const char *url = url_of(u);
	if (!url && cJSON_IsArray(u)) {
		const cJSON *x;
		int n = 0;
		cJSON_ArrayForEach(x, u)
		{
			if (++n > APNOTE_MAX_ATTACH || (url = url_of(x)))
				break;
		}
	}
	if (!url)
		return 0;
	out->image_url = arena_strdup(a, url);
	out->image_type = dup0(a, mt);
	/* a description is plain text (Mastodon's alt text), not HTML: kept as
	 * written when it is clean text of at most 1500 characters */
	const char *name = member(e, "name", 6000), *clean;
	const char *why;
	out->image_name =
	    name && !text_clean(a, name, strlen(name), 1500, &clean, &why) ? clean : "";
	if (ai_source(member(e, "digitalSourceType", 256)))
		out->ai_labelled = 1;
	return 1;
}

/* At most max characters (UTF-8) of s. */
static const char *cut_chars(struct arena *a, const char *s, size_t max)
{
	size_t i = 0, chars = 0;
	while (s[i] && chars < max) {
		i++;
		while (((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		chars++;
	}
	return arena_strndup(a, s, i);
}

/* s (an arena copy) with control characters made spaces (new lines kept
 * when lines). */
static const char *no_controls(const char *s, int lines)
{
	for (char *p = (char *)s; *p; p++)
		if ((unsigned char)*p < 0x20 && !(lines && *p == '\n'))
			*p = ' ';
		else if (*p == 0x7f)
			*p = ' ';
	return s;
}

/* At most max bytes of s, cut on a character boundary. */
static const char *cut_bytes(struct arena *a, const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max) {
		n = max;
		while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	return arena_strndup(a, s, n);
}

int apnote_parse(struct arena *a, const cJSON *obj, struct ap_note *out, const char **why)
{
	static const char *const types[] = {"Note", "Image", "Article", "Page"};
	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(obj)) {
		*why = "the object is not a JSON object";
		return -1;
	}
	const char *type = member(obj, "type", 64), *id = member(obj, "id", MAX_URI);
	int known = 0;
	for (size_t i = 0; type && i < sizeof(types) / sizeof(types[0]); i++)
		known |= !strcmp(type, types[i]);
	if (!known) {
		*why = "the object is not a Note";
		return -1;
	}
	if (!http_url(id)) {
		*why = "the Note has no http(s) id";
		return -1;
	}
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(obj, "attributedTo");
	const char *by = url_of(at);
	if (!by && cJSON_IsObject(at))
		by = member(at, "id", MAX_URI);
	if (!by && cJSON_IsArray(at))
		by = url_of(cJSON_GetArrayItem(at, 0));
	if (!http_url(by)) {
		*why = "the Note has no http(s) attributedTo";
		return -1;
	}
	out->id = arena_strdup(a, id);
	out->type = arena_strdup(a, type);
	out->attributed_to = arena_strdup(a, by);
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(obj, "url");
	const char *url = url_of(u);
	if (!url && cJSON_IsArray(u))
		url = url_of(cJSON_GetArrayItem(u, 0));
	out->url = dup0(a, url ? url : id);
	out->in_reply_to = dup0(a, url_of(cJSON_GetObjectItemCaseSensitive(obj, "inReplyTo")));
	const char *content = member(obj, "content", APNOTE_MAX_CONTENT);
	out->caption = no_controls(apaccount_plain(a, content, APNOTE_MAX_CAPTION), 1);
	const char *summary = member(obj, "summary", APNOTE_MAX_CONTENT);
	const char *cw = summary ? apaccount_plain(a, summary, 4 * APNOTE_MAX_CW) : "";
	no_controls(cw, 0);
	if (!*cw && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "sensitive")))
		cw = "sensitive";
	out->cw = cut_chars(a, cw, APNOTE_MAX_CW);
	const char *prompt = member(obj, "imagier:prompt", 64u << 10);
	out->prompt = prompt ? no_controls(cut_bytes(a, prompt, APNOTE_MAX_PROMPT), 1) : "";
	out->ai_labelled = *out->prompt != 0;
	out->image_url = out->image_type = out->image_name = "";
	const cJSON *att = cJSON_GetObjectItemCaseSensitive(obj, "attachment"), *e;
	if (cJSON_IsObject(att)) {
		attachment(a, att, out);
	} else if (cJSON_IsArray(att)) {
		int n = 0;
		cJSON_ArrayForEach(e, att)
		{
			if (++n > APNOTE_MAX_ATTACH || attachment(a, e, out))
				break;
		}
	}
	return 0;
}

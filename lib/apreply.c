/* apreply.c - remote Notes about local content (apreply.h). */
#include "apreply.h"
#include "apremote.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

static int http_url(const char *s)
{
	return s && (!strncmp(s, "http://", 7) || !strncmp(s, "https://", 8));
}

/* A string member of o of at most max bytes, else NULL. */
static const char *str_member(const cJSON *o, const char *name, size_t max)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	const char *s = cJSON_GetStringValue(v);
	return s && strlen(s) <= max ? s : NULL;
}

static int public_id(const cJSON *v)
{
	const char *s = cJSON_GetStringValue(v);
	return s && (!strcmp(s, "https://www.w3.org/ns/activitystreams#Public") ||
		     !strcmp(s, "as:Public") || !strcmp(s, "Public"));
}

/* 1 when the audience v (an id, or an array of ids) holds Public. */
static int audience_public(const cJSON *v)
{
	const cJSON *it;
	int n = 0;
	if (!cJSON_IsArray(v))
		return public_id(v);
	cJSON_ArrayForEach(it, v)
	{
		if (++n > 64)
			return 0;
		if (public_id(it))
			return 1;
	}
	return 0;
}

int apreply_note(const cJSON *obj, struct ap_note *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(obj)) {
		*why = "the object is not embedded";
		return -1;
	}
	out->type = str_member(obj, "type", APREMOTE_MAX_TYPE);
	if (!out->type || strcmp(out->type, "Note")) {
		*why = "the object is not a Note";
		return -1;
	}
	out->id = str_member(obj, "id", APREMOTE_MAX_URI);
	if (!http_url(out->id)) {
		*why = "the Note has no http(s) id";
		return -1;
	}
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(obj, "attributedTo");
	if (cJSON_IsArray(at))
		at = cJSON_GetArrayItem(at, 0);
	out->attributed_to = at ? apremote_id_of(at) : "";
	if (!out->attributed_to) {
		*why = "the Note's attributedTo is not an id";
		return -1;
	}
	const cJSON *irt = cJSON_GetObjectItemCaseSensitive(obj, "inReplyTo");
	if (irt && !cJSON_IsNull(irt)) {
		out->in_reply_to = apremote_id_of(irt);
		if (!out->in_reply_to) {
			*why = "the Note's inReplyTo is not an id";
			return -1;
		}
	}
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, "content");
	if (c && !cJSON_IsNull(c)) {
		out->content = str_member(obj, "content", APREPLY_MAX_CONTENT);
		if (!out->content) {
			*why = "the Note's content is not text, or too long";
			return -1;
		}
	} else {
		out->content = "";
	}
	out->is_public = audience_public(cJSON_GetObjectItemCaseSensitive(obj, "to")) ||
			 audience_public(cJSON_GetObjectItemCaseSensitive(obj, "cc"));
	return 0;
}

/* The decimal id at s (1 to 18 digits), its end in *end. -1 when none. */
static int64_t id_at(const char *s, const char **end)
{
	int64_t v = 0;
	size_t n = 0;
	while (n < 18 && isdigit((unsigned char)s[n]))
		v = v * 10 + (s[n++] - '0');
	if (!n || isdigit((unsigned char)s[n]))
		return -1;
	*end = s + n;
	return v;
}

int apreply_local(const char *base, const char *url, int64_t *post_id, int64_t *comment_id)
{
	size_t n = strlen(base);
	const char *end;
	*post_id = *comment_id = 0;
	if (!url || strncmp(url, base, n) || strncmp(url + n, "/p/", 3))
		return -1;
	int64_t p = id_at(url + n + 3, &end);
	if (p <= 0)
		return -1;
	if (*end == 0) {
		*post_id = p;
		return 0;
	}
	/* the comment's ActivityPub id ({base}/p/ID#cN, lib/apfollow.c), or
	 * its place on the page (#comment-N) */
	size_t skip = !strncmp(end, "#comment-", 9) ? 9 : !strncmp(end, "#c", 2) ? 2 : 0;
	if (!skip)
		return -1;
	int64_t c = id_at(end + skip, &end);
	if (c <= 0 || *end)
		return -1;
	*post_id = p;
	*comment_id = c;
	return 0;
}

/* The length of the mention of name at s ("@name", or "@name@host"
 * followed by a blank or the end), 0 when it is not one. */
static size_t mention_at(const char *s, const char *name)
{
	size_t n = strlen(name);
	if (*s != '@' || !n || strncasecmp(s + 1, name, n))
		return 0;
	size_t i = 1 + n;
	if (s[i] == '@')
		while (s[i] && !isspace((unsigned char)s[i]))
			i++;
	return !s[i] || isspace((unsigned char)s[i]) ? i : 0;
}

const char *apreply_unmention(const char *text, const char *name)
{
	const char *s = text;
	size_t m;
	while (*s && (m = mention_at(s, name))) {
		s += m;
		while (isspace((unsigned char)*s))
			s++;
	}
	return s;
}

/* apnet.c - ActivityPub's outgoing HTTP (apnet.h). */
#include "apnet.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

static pthread_once_t apnet_once = PTHREAD_ONCE_INIT;
static CURLcode apnet_init_rc = CURLE_FAILED_INIT;

static void apnet_global_init(void)
{
	apnet_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int apnet_url_parts(struct arena *a, const char *url, const char **host, const char **target)
{
	if (!url || strlen(url) > APNET_MAX_URL ||
	    (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)))
		return -1;
	pthread_once(&apnet_once, apnet_global_init);
	CURLU *u = curl_url();
	char *h = NULL, *port = NULL, *path = NULL, *query = NULL;
	int rc = -1;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
		curl_url_get(u, CURLUPART_PORT, &port, 0); /* absent: the scheme's */
		curl_url_get(u, CURLUPART_QUERY, &query, 0);
		*host = port ? arena_printf(a, "%s:%s", h, port) : arena_strdup(a, h);
		*target = query ? arena_printf(a, "%s?%s", path, query) : arena_strdup(a, path);
		rc = 0;
	}
	curl_free(h);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	return rc;
}

/* The answer's body, up to max bytes (over: the transfer is aborted). */
struct sink {
	struct arena *a;
	char *data;
	size_t len, max;
	int over;
};

static size_t sink_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t n = size * nmemb;
	if (n > s->max - s->len) {
		s->over = 1;
		return 0;
	}
	if (!s->data)
		s->data = arena_alloc(s->a, s->max + 1);
	memcpy(s->data + s->len, p, n);
	s->len += n;
	s->data[s->len] = '\0';
	return n;
}

static CURL *apnet_handle(struct sink *s, long timeout_ms, char *errbuf)
{
	pthread_once(&apnet_once, apnet_global_init);
	CURL *h = apnet_init_rc == CURLE_OK ? curl_easy_init() : NULL;
	if (!h)
		return NULL;
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)APNET_CONNECT_MS);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "imagier/1 (ActivityPub)");
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	return h;
}

static const char *curl_why(struct arena *a, CURLcode rc, const struct sink *s, const char *errbuf)
{
	if (s->over || rc == CURLE_FILESIZE_EXCEEDED)
		return arena_printf(a, "the answer was larger than %zu bytes", s->max);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return "no answer in time";
	return arena_printf(a, "curl %d: %s", (int)rc, errbuf[0] ? errbuf : curl_easy_strerror(rc));
}

int apnet_get(struct arena *a, const char *url, const char *accept, long timeout_ms, size_t max,
	      char **body, size_t *len, const char **why)
{
	const char *host, *target;
	struct sink s = {.a = a, .max = max};
	char errbuf[CURL_ERROR_SIZE] = "";
	if (apnet_url_parts(a, url, &host, &target)) {
		*why = "not an http(s) URL";
		return -1;
	}
	if (timeout_ms < 1) {
		*why = "no time left";
		return -1;
	}
	CURL *h = apnet_handle(&s, timeout_ms, errbuf);
	if (!h) {
		*why = "curl could not start";
		return -1;
	}
	struct curl_slist *hdrs = curl_slist_append(NULL, arena_printf(a, "Accept: %s", accept));
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	if (timeout_ms < APNET_CONNECT_MS)
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	int ret = -1;
	if (rc != CURLE_OK) {
		*why = curl_why(a, rc, &s, errbuf);
	} else {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (status < 200 || status > 299) {
			*why = arena_printf(a, "HTTP %ld", status);
		} else {
			*body = s.data ? s.data : arena_strdup(a, "");
			*len = s.len;
			ret = 0;
		}
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return ret;
}

int apnet_fetch(struct arena *a, const char *url, char **body, size_t *len, const char **why)
{
	return apnet_get(a, url,
			 "application/activity+json, application/ld+json; "
			 "profile=\"https://www.w3.org/ns/activitystreams\"",
			 APNET_FETCH_MS, APNET_MAX_DOC, body, len, why);
}

int apnet_post(struct arena *a, const char *url, const char *const *headers, size_t nheaders,
	       const char *body, size_t len, long *status, const char **why)
{
	struct sink s = {.a = a, .max = APNET_MAX_RESPONSE};
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *h = apnet_handle(&s, APNET_DELIVER_MS, errbuf);
	if (!h) {
		*why = "curl could not start";
		return -1;
	}
	struct curl_slist *hdrs = NULL, *l;
	static const char *const fixed[] = {"Content-Type: application/activity+json", "Expect:"};
	for (size_t i = 0; i < 2; i++)
		if ((l = curl_slist_append(hdrs, fixed[i])))
			hdrs = l;
	for (size_t i = 0; i < nheaders; i++)
		if ((l = curl_slist_append(hdrs, headers[i])))
			hdrs = l;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	CURLcode rc = curl_easy_perform(h);
	int ret = -1;
	/* an answer larger than we read is still an answer */
	if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && s.over)) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
		ret = 0;
	} else {
		*why = curl_why(a, rc, &s, errbuf);
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return ret;
}

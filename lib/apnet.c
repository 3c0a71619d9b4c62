/* apnet.c - ActivityPub's outgoing HTTP (apnet.h). */
#include "apnet.h"
#include "curlsink.h"
#include "util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

static pthread_once_t apnet_once = PTHREAD_ONCE_INIT;
static CURLcode apnet_init_rc = CURLE_FAILED_INIT;
/* [federation] allow_private: configuration, set once before any request */
static int apnet_allow_private;

void apnet_configure(int allow_private)
{
	apnet_allow_private = allow_private;
}

static int v4_private(const unsigned char *b)
{
	return b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224 ||
	       (b[0] == 100 && (b[1] & 0xC0) == 64) || (b[0] == 169 && b[1] == 254) ||
	       (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168) ||
	       (b[0] == 192 && b[1] == 0 && b[2] == 0) || (b[0] == 198 && (b[1] & 0xFE) == 18);
}

int apnet_addr_private(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		return v4_private((const unsigned char *)&in->sin_addr);
	}
	if (sa->sa_family != AF_INET6)
		return 1; /* nothing else is reached */
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
	const unsigned char *b = in6->sin6_addr.s6_addr;
	static const unsigned char zero[12],
	    mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff},
	    nat64[12] = {0, 0x64, 0xff, 0x9b};
	if (!memcmp(b, mapped, 12) || !memcmp(b, nat64, 12) || !memcmp(b, zero, 12))
		return v4_private(b + 12) || !memcmp(b, zero, 12); /* ::, ::1, ::a.b.c.d */
	return (b[0] & 0xFE) == 0xFC || (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) || b[0] == 0xFF;
}

int apnet_ip_private(const char *s)
{
	struct sockaddr_in in = {.sin_family = AF_INET};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
	if (s && inet_pton(AF_INET, s, &in.sin_addr) == 1)
		return apnet_addr_private((const struct sockaddr *)(const void *)&in);
	if (s && inet_pton(AF_INET6, s, &in6.sin6_addr) == 1)
		return apnet_addr_private((const struct sockaddr *)(const void *)&in6);
	return -1;
}

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

/* One transfer: its bounded answer, and what the address check refused. */
struct xfer {
	struct curl_sink s;
	char refused[INET6_ADDRSTRLEN + 1]; /* the address refused, "" for none */
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hdrs;
};

/* Every connection curl makes goes through here, with the address it is
 * about to connect to: the check cannot be bypassed by a name that
 * resolves differently later (DNS rebinding), as a check before the
 * request could. */
static curl_socket_t open_checked(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct xfer *x = clientp;
	(void)purpose;
	if (!apnet_allow_private && apnet_addr_private(&addr->addr)) {
		const void *ip =
		    addr->family == AF_INET
			? (const void *)&((struct sockaddr_in *)(void *)&addr->addr)->sin_addr
			: (const void *)&((struct sockaddr_in6 *)(void *)&addr->addr)->sin6_addr;
		if (!inet_ntop(addr->family, ip, x->refused, sizeof(x->refused)))
			strcpy(x->refused, "?");
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

static CURL *apnet_handle(struct xfer *x, size_t max, long timeout_ms)
{
	memset(x, 0, sizeof(*x));
	x->s.max = max;
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
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, curl_sink_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x->s);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_checked);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, x);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(h, CURLOPT_PRIVATE, x);
	return h;
}

static const char *curl_why(struct arena *a, CURLcode rc, const struct xfer *x)
{
	if (x->refused[0])
		return arena_printf(a,
				    "refused to connect to %s: a loopback or private address "
				    "([federation] allow_private = no)",
				    x->refused);
	if (x->s.over || rc == CURLE_FILESIZE_EXCEEDED)
		return arena_printf(a, "the answer was larger than %zu bytes", x->s.max);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return "no answer in time";
	return arena_printf(a, "curl %d: %s", (int)rc,
			    x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
}

int apnet_get(struct arena *a, const char *url, const char *accept, long timeout_ms, size_t max,
	      char **body, size_t *len, const char **why)
{
	const char *host, *target;
	struct xfer x;
	if (apnet_url_parts(a, url, &host, &target)) {
		*why = "not an http(s) URL";
		return -1;
	}
	if (timeout_ms < 1) {
		*why = "no time left";
		return -1;
	}
	CURL *h = apnet_handle(&x, max, timeout_ms);
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
		*why = curl_why(a, rc, &x);
	} else {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (status < 200 || status > 299) {
			*why = arena_printf(a, "HTTP %ld", status);
		} else {
			*body = arena_strndup(a, x.s.data ? (const char *)x.s.data : "", x.s.len);
			*len = x.s.len;
			ret = 0;
		}
	}
	free(x.s.data);
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

/* A POST's handle for req (NULL with req->why when it cannot start). */
static CURL *post_handle(struct apnet_post_req *req, struct xfer *x)
{
	CURL *h = apnet_handle(x, APNET_MAX_RESPONSE, APNET_DELIVER_MS);
	if (!h) {
		req->rc = -1;
		req->why = "curl could not start";
		return NULL;
	}
	struct curl_slist *l;
	static const char *const fixed[] = {"Content-Type: application/activity+json", "Expect:"};
	for (size_t i = 0; i < 2; i++)
		if ((l = curl_slist_append(x->hdrs, fixed[i])))
			x->hdrs = l;
	for (size_t i = 0; i < req->nheaders; i++)
		if ((l = curl_slist_append(x->hdrs, req->headers[i])))
			x->hdrs = l;
	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->len);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->hdrs);
	return h;
}

/* The outcome of a finished (or abandoned) POST. */
static void post_result(struct arena *a, CURL *h, CURLcode rc, struct xfer *x,
			struct apnet_post_req *req)
{
	/* an answer larger than we read is still an answer */
	if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && x->s.over)) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &req->status);
		req->rc = 0;
	} else {
		req->rc = -1;
		req->why = curl_why(a, rc, x);
	}
}

void apnet_post_many(struct arena *a, struct apnet_post_req *reqs, size_t n, long total_ms)
{
	struct xfer x[APNET_PARALLEL];
	CURL *h[APNET_PARALLEL] = {0};
	int finished[APNET_PARALLEL] = {0};
	if (n > APNET_PARALLEL) {
		for (size_t i = APNET_PARALLEL; i < n; i++) {
			reqs[i].rc = -1;
			reqs[i].why = "not sent: too many at once";
		}
		n = APNET_PARALLEL;
	}
	pthread_once(&apnet_once, apnet_global_init);
	CURLM *m = apnet_init_rc == CURLE_OK ? curl_multi_init() : NULL;
	for (size_t i = 0; i < n; i++) {
		reqs[i].rc = -1;
		reqs[i].status = 0;
		reqs[i].why = "curl could not start";
		if (m && (h[i] = post_handle(&reqs[i], &x[i])))
			curl_multi_add_handle(m, h[i]);
	}
	int64_t deadline = (now_mono_us() / 1000) + total_ms;
	int running = 1;
	while (m && running) {
		if (curl_multi_perform(m, &running) != CURLM_OK)
			break;
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(m, &left)))
			if (msg->msg == CURLMSG_DONE)
				for (size_t i = 0; i < n; i++)
					if (h[i] == msg->easy_handle) {
						post_result(a, h[i], msg->data.result, &x[i],
							    &reqs[i]);
						finished[i] = 1;
					}
		if (!running)
			break;
		int64_t left_ms = deadline - (now_mono_us() / 1000);
		if (left_ms <= 0)
			break;
		curl_multi_poll(m, NULL, 0, left_ms > 1000 ? 1000 : (int)left_ms, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		if (!h[i])
			continue;
		if (!finished[i]) {
			reqs[i].rc = -1;
			reqs[i].why = "no answer in time (the round's bound)";
		}
		if (m)
			curl_multi_remove_handle(m, h[i]);
		curl_easy_cleanup(h[i]);
		curl_slist_free_all(x[i].hdrs);
		free(x[i].s.data);
	}
	if (m)
		curl_multi_cleanup(m);
}

int apnet_post(struct arena *a, const char *url, const char *const *headers, size_t nheaders,
	       const char *body, size_t len, long *status, const char **why)
{
	struct apnet_post_req r = {
	    .url = url, .headers = headers, .nheaders = nheaders, .body = body, .len = len};
	apnet_post_many(a, &r, 1, APNET_DELIVER_MS + 1000);
	*status = r.status;
	*why = r.why;
	return r.rc;
}

/* microcache.c - replacing nginx's microcached copies of pages (microcache.h). */
#include "microcache.h"
#include "config.h"
#include "log.h"

#include <curl/curl.h>
#include <pthread.h>
#include <string.h>

static pthread_once_t mc_once = PTHREAD_ONCE_INIT;
static CURLcode mc_init_rc = CURLE_FAILED_INIT;

static void mc_global_init(void)
{
	mc_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The body is not needed: nginx stores it whatever the client reads. */
static size_t mc_discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

void microcache_refresh(struct arena *a, const struct config *cfg, const char *const *paths,
			size_t n)
{
	const char *base = cfg->site_base_url;
	if (!n || !*base)
		return;
	pthread_once(&mc_once, mc_global_init);
	if (mc_init_rc != CURLE_OK)
		return;
	size_t blen = strlen(base);
	while (blen && base[blen - 1] == '/')
		blen--;
	CURLM *m = curl_multi_init();
	CURL **easy = arena_zalloc(a, n * sizeof(*easy));
	struct curl_slist *hdr = curl_slist_append(NULL, MICROCACHE_REFRESH_HEADER ": 1");
	struct curl_slist *ap = curl_slist_append(NULL, MICROCACHE_REFRESH_HEADER ": 1");
	ap = ap ? curl_slist_append(ap, "Accept: application/activity+json") : NULL;
	if (!m || !hdr || !ap)
		goto done;
	for (size_t i = 0; i < n; i++) {
		CURL *e = curl_easy_init();
		if (!e)
			continue;
		easy[i] = e;
		size_t plen = strlen(MICROCACHE_AP_PREFIX);
		int is_ap = !strncmp(paths[i], MICROCACHE_AP_PREFIX, plen);
		curl_easy_setopt(
		    e, CURLOPT_URL,
		    arena_printf(a, "%.*s%s", (int)blen, base, paths[i] + (is_ap ? plen : 0)));
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, is_ap ? ap : hdr);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, mc_discard);
		curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)MICROCACHE_TIMEOUT_MS);
		curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_multi_add_handle(m, e);
	}
	int running = 1;
	while (running) {
		if (curl_multi_perform(m, &running) != CURLM_OK)
			break;
		if (running && curl_multi_poll(m, NULL, 0, 200, NULL) != CURLM_OK)
			break;
	}
	int left;
	CURLMsg *msg;
	size_t failed = 0;
	while ((msg = curl_multi_info_read(m, &left)))
		if (msg->msg == CURLMSG_DONE && msg->data.result != CURLE_OK)
			failed++;
	if (failed)
		log_error(
		    "microcache: %zu of %zu refreshes at %s failed (copies expire on their own)",
		    failed, n, base);
done:
	for (size_t i = 0; i < n; i++)
		if (easy[i]) {
			curl_multi_remove_handle(m, easy[i]);
			curl_easy_cleanup(easy[i]);
		}
	curl_slist_free_all(hdr);
	curl_slist_free_all(ap);
	if (m)
		curl_multi_cleanup(m);
}

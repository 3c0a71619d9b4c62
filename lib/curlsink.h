/* curlsink.h - the one bounded receiver of libcurl answers, for every
 * outgoing call (the image backends, lib/gen_http.c; ActivityPub's fetches
 * and deliveries, lib/apnet.c): the body grows (malloc) up to max bytes;
 * more aborts the transfer with over set, so no server can make us hold
 * more than we said. */
#ifndef IMAGIER_CURLSINK_H
#define IMAGIER_CURLSINK_H

#include <stddef.h>

struct curl_sink {
	unsigned char *data; /* NUL-terminated when not NULL; the caller frees */
	size_t len, cap, max;
	int over; /* the server sent more than max */
};

/* CURLOPT_WRITEFUNCTION with CURLOPT_WRITEDATA a struct curl_sink. */
size_t curl_sink_write(char *p, size_t size, size_t nmemb, void *ud);

#endif

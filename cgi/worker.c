/* worker.c - one FastCGI worker: accept, build the request, dispatch, reply. */
#include "worker.h"
#include "app.h"
#include "cache.h"
#include "fcgi_out.h"
#include "json.h"
#include "log.h"
#include "procmem.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcgiapp.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static volatile sig_atomic_t worker_stop;

static void on_term(int sig)
{
	(void)sig;
	worker_stop = 1;
}

static const char *param(char **envp, const char *name)
{
	const char *v = FCGX_GetParam(name, envp);
	return v ? v : "";
}

/* HTTP_ACCEPT_LANGUAGE -> "accept-language" */
static void collect_headers(struct request *req, char **envp)
{
	for (char **e = envp; *e; e++) {
		if (strncmp(*e, "HTTP_", 5))
			continue;
		const char *eq = strchr(*e, '=');
		if (!eq || eq - *e - 5 > 64)
			continue;
		size_t n = (size_t)(eq - *e - 5);
		char *name = arena_strndup(req->arena, *e + 5, n);
		for (char *p = name; *p; p++)
			*p = *p == '_' ? '-' : (char)tolower((unsigned char)*p);
		kv_add(req->arena, &req->headers, name, eq + 1, strlen(eq + 1));
	}
}

void request_from_env(struct request *req, struct arena *a, char **envp)
{
	memset(req, 0, sizeof(*req));
	req->arena = a;
	req->method = param(envp, "REQUEST_METHOD");
	const char *uri = param(envp, "REQUEST_URI");
	const char *q = strchr(uri, '?');
	req->path = q ? arena_strndup(a, uri, (size_t)(q - uri)) : uri;
	if (!*req->path)
		req->path = param(envp, "DOCUMENT_URI");
	if (!*req->path)
		req->path = "/";
	req->query_string = param(envp, "QUERY_STRING");
	req->content_type = param(envp, "CONTENT_TYPE");
	req->remote_addr = param(envp, "REMOTE_ADDR");
	req->user_agent = param(envp, "HTTP_USER_AGENT");
	req->https = !strcmp(param(envp, "HTTPS"), "on");
	req->nginx_page_bodies = !strcmp(param(envp, "IMAGIER_PAGE_BODIES"), "1");
	req->page_body_missing = !strncmp(param(envp, "DOCUMENT_URI"), "/_pagebody/", 11);
	/* nginx's redirect to the body dropped the query (QUERY_STRING is the
	 * redirect's, empty); the request's own is in REQUEST_URI */
	if (req->page_body_missing)
		req->query_string = q ? q + 1 : "";
	collect_headers(req, envp);
}

int request_cookies(struct request *req, const struct http_limits *lim)
{
	const char *why, *cookie = kv_get(&req->headers, "cookie");
	if (cookie && http_parse_cookies(req->arena, cookie, &req->cookies, lim, &why))
		return 400;
	return 0;
}

/* Read the body (bounded). Returns 0, 413 too big, 400 cut short. */
static int read_body(FCGX_Request *rq, struct request *req, size_t max)
{
	const char *cl = param(rq->envp, "CONTENT_LENGTH");
	uint64_t n = 0;
	if (!*cl)
		return 0;
	if (str_to_u64(cl, UINT64_MAX, &n))
		return 400;
	if (n > max)
		return 413;
	unsigned char *b = arena_alloc(req->arena, (size_t)n + 1);
	size_t got = 0;
	while (got < n) {
		int r = FCGX_GetStr((char *)b + got, (int)(n - got > 1 << 20 ? 1 << 20 : n - got),
				    rq->in);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	b[got] = '\0';
	req->body = b;
	req->body_len = got;
	return got == n ? 0 : 400;
}

/* The reason phrase: nginx copies "Status: 404" as it is into the status
 * line, and "HTTP/1.1 404" without " Not Found" is not valid HTTP. */
static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 303:
		return "See Other";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Content Too Large";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Content";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 507:
		return "Insufficient Storage";
	default:
		return status >= 500 ? "Error" : "Status";
	}
}

/* An answer bigger than libfcgi's stream buffer goes to nginx in one
 * writev of FastCGI STDOUT records (lib/fcgi_out.c says why). This uses
 * FCGX_Request's ipcFd, which fcgiapp.h lists after "don't use anything
 * below here": it is the connection's descriptor in every libfcgi release,
 * and nothing else here touches the request's internals. FCGX_Finish_r
 * then writes the end of STDOUT and the FCGI_END_REQUEST as ever. */
#define REPLY_DIRECT_MIN 8192

static void reply(FCGX_Request *rq, const struct response *resp)
{
	/* libfcgi's own printf knows no %zu: format here. */
	char line[128];
	int n = snprintf(line, sizeof(line), "Status: %d %s\r\nContent-Length: %zu\r\n",
			 resp->status, reason(resp->status), resp->body.len);
	struct iovec piece[] = {{line, (size_t)n},
				{resp->head.data, resp->head.len},
				{"\r\n", 2},
				{resp->body.data, resp->body.len}};
	if (resp->body.len >= REPLY_DIRECT_MIN &&
	    !fcgi_stdout_writev(rq->ipcFd, rq->requestId, piece, (int)ARRAY_LEN(piece)))
		return;
	for (size_t i = 0; i < ARRAY_LEN(piece); i++)
		if (piece[i].iov_len)
			FCGX_PutStr(piece[i].iov_base, (int)piece[i].iov_len, rq->out);
}

/* Memory. A worker lives for thousands of requests; most need a few hundred
 * KiB, an upload or an image tens of MiB (a 2048x2048 picture decoded is 16
 * MiB in libgd rows of 8 KiB each). glibc keeps what was freed: it raises its
 * mmap threshold to the largest block freed so far (so the next big buffers
 * come from the heap, not from mmap), and a heap whose top is still in use
 * cannot shrink. So: a fixed mmap threshold (a buffer over 256 KiB is
 * mmapped and returned when freed) and one malloc arena (a worker has one
 * thread), set by lib/procmem.c, and after a request that used much memory
 * (a body, a big arena, or a heap grown by more than WORKER_TRIM_GROWTH)
 * malloc_trim() hands every free page back, after the answer was sent. */
#define WORKER_TRIM_BODY   (256 * 1024)
#define WORKER_TRIM_ARENA  (1024 * 1024)
#define WORKER_TRIM_GROWTH (2 * 1024 * 1024)
/* A trim every so many requests as well: a backstop for whatever else
 * leaves free pages in the heap that later requests touch again (it costs
 * a few dozen microseconds, once in WORKER_TRIM_EVERY requests). */
#define WORKER_TRIM_EVERY 200
/* The heap's end: how far it grew since the last trim is cheap to see
 * (sbrk(0) reads a variable). */
static char *heap_end(void)
{
	return sbrk(0);
}

/* Reset the request arena, then trim if the request was a big one, or
 * every WORKER_TRIM_EVERY requests. */
static void memory_after(struct app *app, size_t body_len, char **trimmed_at)
{
	int big = body_len >= WORKER_TRIM_BODY || app->arena.total >= WORKER_TRIM_ARENA;
	arena_reset(&app->arena);
	if (!big && heap_end() - *trimmed_at < WORKER_TRIM_GROWTH &&
	    app->served % WORKER_TRIM_EVERY != WORKER_TRIM_EVERY - 1)
		return;
	malloc_trim(0);
	*trimmed_at = heap_end();
}

static void serve_one(struct app *app, FCGX_Request *rq, struct response *resp, size_t *body_len)
{
	struct request req;
	/* The request's JSON trees live in its arena (dispatch deletes them all) */
	json_request_begin(&app->arena);
	request_from_env(&req, &app->arena, rq->envp);
	int body_status = read_body(rq, &req, app->lim.max_body);
	int cookie_status = request_cookies(&req, &app->lim);
	dispatch(app, &req, resp, body_status ? body_status : cookie_status);
	json_request_end();
	reply(rq, resp);
	*body_len = req.body_len;
}

/* 1 if a connection is waiting on fd within ms milliseconds (or a signal
 * came), 0 if the time ran out. */
static int connection_waiting(int fd, int ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	return poll(&pfd, 1, ms) != 0;
}

int worker_run(int listen_fd)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term; /* no SA_RESTART: accept() must return */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigset_t term, old;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	sigprocmask(SIG_BLOCK, &term, &old);

	procmem_setup();
	log_forked();
	struct app app;
	char err[512];
	if (app_init(&app, err, sizeof(err))) {
		log_error("worker: %s", err);
		return 1;
	}
	if (FCGX_Init()) {
		log_error("worker: FCGX_Init failed");
		app_free(&app);
		return 1;
	}
	FCGX_Request rq;
	FCGX_InitRequest(&rq, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
	struct response resp;
	memset(&resp, 0, sizeof(resp));
	char *trimmed_at = heap_end();
	while (!worker_stop && app.served < (uint64_t)app.cfg.max_requests) {
		/* Signals are let in only while waiting for a connection, so a
		 * request in progress always finishes. */
		sigprocmask(SIG_SETMASK, &old, NULL);
		int rc;
		if (worker_stop)
			rc = -1;
		else if (cache_owes(app.cache) && !connection_waiting(listen_fd, 1000))
			rc = -2; /* idle while owing memcached an invalidation */
		else
			rc = worker_stop ? -1 : FCGX_Accept_r(&rq);
		sigprocmask(SIG_BLOCK, &term, NULL);
		if (rc == -2) {
			cache_settle(app.cache);
			continue;
		}
		if (rc < 0) {
			if (worker_stop)
				break;
			if (errno == EINTR)
				continue;
			log_error("worker: accept failed: %s", strerror(errno));
			break;
		}
		size_t body_len = 0;
		serve_one(&app, &rq, &resp, &body_len);
		FCGX_Finish_r(&rq);
		memory_after(&app, body_len, &trimmed_at);
		app.served++;
	}
	FCGX_Free(&rq, 0);
	buf_free(&resp.head);
	buf_free(&resp.body);
	app_free(&app);
	return 0;
}

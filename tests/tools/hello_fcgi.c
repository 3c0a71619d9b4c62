/* hello_fcgi.c - the benchmark floor: a bare libfcgi pool that answers a fixed page. */

/*
 * Usage: hello-fcgi SOCKET [BYTES [MEMCACHED-SOCKET [PARTS]]]
 *
 * Listens on the unix socket path SOCKET, forks 2 x (number of cores)
 * workers that each loop on FCGX_Accept_r and answer every request with
 * "Status: 200", "Content-Type: text/html" and BYTES bytes of 'x' (default
 * 12000). /healthz answers {"db":"ok","cache":"ok"} like imagier-fcgi does,
 * so tools/stack.sh can run it in place of the real pool (IMAGIER_FCGI_CMD).
 * SIGTERM or SIGINT to the master stops every worker and removes the socket;
 * a worker that dies is replaced.
 *
 * With MEMCACHED-SOCKET it is the first-view floor instead: the page's BYTES
 * are stored in that memcached as PARTS values (default 24, a feed page's
 * posts), and every request fetches them with one multi-get and answers
 * their concatenation. That is the least a worker can do to build a page
 * from per-post cache entries: no session, no list of ids, no parsing, no
 * rendering, sent the way imagier-fcgi sends a page (lib/fcgi_out.c).
 * tools/bench.sh sets the first views' p99 beside it.
 */

#include <errno.h>
#include <fcgiapp.h>
#include "fcgi_out.h"
#include <libmemcached/memcached.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define HELLO_MAX_BYTES	  (64L * 1024 * 1024)
#define HELLO_MAX_WORKERS 256
#define HELLO_BACKLOG	  1024
#define HELLO_MAX_PARTS	  256
#define HELLO_KEY_MAX	  48

/* The first-view floor: where the parts are, and how many. */
struct floor {
	const char *socket; /* NULL: the plain hello */
	int parts;
};

static const char hello_head[] = "Status: 200\r\nContent-Type: text/html\r\n\r\n";
static const char hello_health[] = "Status: 200\r\nContent-Type: application/json\r\n"
				   "Cache-Control: no-store\r\n\r\n"
				   "{\"db\":\"ok\",\"cache\":\"ok\"}";

/* Parse BYTES: a decimal count in [0, HELLO_MAX_BYTES]; -1 when invalid. */
static long hello_parse_bytes(const char *s)
{
	char *end = NULL;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < 0 || n > HELLO_MAX_BYTES)
		return -1;
	return n;
}

/* True when the request's path (without query) is exactly /healthz. */
static int hello_is_health(FCGX_ParamArray envp)
{
	const char *uri = FCGX_GetParam("DOCUMENT_URI", envp);
	size_t n;

	if (uri == NULL)
		uri = FCGX_GetParam("REQUEST_URI", envp);
	if (uri == NULL)
		return 0;
	n = strcspn(uri, "?");
	return n == strlen("/healthz") && strncmp(uri, "/healthz", n) == 0;
}

/* The floor's key of part i. */
static size_t floor_key(char *key, int i)
{
	return (size_t)snprintf(key, HELLO_KEY_MAX, "hello-floor:%d", i);
}

static memcached_st *floor_connect(const char *socket)
{
	char conf[600];
	int n = snprintf(conf, sizeof(conf), "--SOCKET=\"%s\" --TCP-NODELAY", socket);
	if (n < 0 || (size_t)n >= sizeof(conf))
		return NULL;
	return memcached(conf, (size_t)n);
}

/* Store the page as fl->parts values; 0 on success. */
static int floor_store(const struct floor *fl, const char *body, long body_len)
{
	memcached_st *mc = floor_connect(fl->socket);
	long per = (body_len + fl->parts - 1) / fl->parts;
	int bad = !mc;
	for (int i = 0; i < fl->parts && !bad; i++) {
		char key[HELLO_KEY_MAX];
		long off = (long)i * per;
		long len = off >= body_len ? 0 : (body_len - off < per ? body_len - off : per);
		bad = memcached_set(mc, key, floor_key(key, i), body + (off < body_len ? off : 0),
				    (size_t)len, 0, 0) != MEMCACHED_SUCCESS;
	}
	if (mc)
		memcached_free(mc);
	return bad;
}

/* One multi-get of the parts, copied into page; the bytes gathered. */
static long floor_fetch(memcached_st *mc, const struct floor *fl, char *page, long cap)
{
	char keys[HELLO_MAX_PARTS][HELLO_KEY_MAX];
	const char *kp[HELLO_MAX_PARTS];
	size_t kl[HELLO_MAX_PARTS];
	memcached_return_t rc;
	memcached_result_st *r;
	long got = 0;

	for (int i = 0; i < fl->parts; i++) {
		kl[i] = floor_key(keys[i], i);
		kp[i] = keys[i];
	}
	if (memcached_mget(mc, kp, kl, (size_t)fl->parts) != MEMCACHED_SUCCESS)
		return 0;
	while ((r = memcached_fetch_result(mc, NULL, &rc)) != NULL) {
		long len = (long)memcached_result_length(r);
		if (len <= cap - got) {
			memcpy(page + got, memcached_result_value(r), (size_t)len);
			got += len;
		}
		memcached_result_free(r);
	}
	return got;
}

/* Worker: answer requests on listen_fd until killed. Never returns. */
static void hello_worker(int listen_fd, const char *body, long body_len, const struct floor *fl)
{
	FCGX_Request req;
	sigset_t none;
	memcached_st *mc = NULL;
	char *page = NULL;

	/* The master blocks its signals to wait for them; workers take defaults. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (FCGX_InitRequest(&req, listen_fd, 0) != 0)
		_exit(1);
	if (fl->socket &&
	    (!(mc = floor_connect(fl->socket)) || !(page = malloc((size_t)body_len + 1))))
		_exit(1);
	while (FCGX_Accept_r(&req) >= 0) {
		if (hello_is_health(req.envp)) {
			FCGX_PutStr(hello_health, (int)strlen(hello_health), req.out);
		} else if (mc) {
			/* sent as imagier-fcgi sends a page: its records in one
			 * writev (lib/fcgi_out.c), so the floor is no costlier */
			long n = floor_fetch(mc, fl, page, body_len);
			struct iovec piece[] = {{(void *)hello_head, strlen(hello_head)},
						{page, (size_t)n}};
			if (fcgi_stdout_writev(req.ipcFd, req.requestId, piece, 2)) {
				FCGX_PutStr(hello_head, (int)strlen(hello_head), req.out);
				FCGX_PutStr(page, (int)n, req.out);
			}
		} else {
			FCGX_PutStr(hello_head, (int)strlen(hello_head), req.out);
			FCGX_PutStr(body, (int)body_len, req.out);
		}
		FCGX_Finish_r(&req);
	}
	_exit(0);
}

/* Fork one worker; returns its pid, or -1 when fork failed. */
static pid_t hello_spawn(int listen_fd, const char *body, long body_len, const struct floor *fl)
{
	pid_t pid = fork();

	if (pid == 0)
		hello_worker(listen_fd, body, body_len, fl);
	return pid;
}

/* Number of workers: 2 x online cores, at least 2, at most HELLO_MAX_WORKERS. */
static int hello_worker_count(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	if (cores < 1)
		cores = 1;
	if (cores * 2 > HELLO_MAX_WORKERS)
		return HELLO_MAX_WORKERS;
	return (int)(cores * 2);
}

/* Replace any worker that exited (reaps without blocking). */
static void hello_reap(pid_t *pids, int n, int listen_fd, const char *body, long body_len,
		       const struct floor *fl)
{
	pid_t dead;
	int i, status;

	while ((dead = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < n; i++) {
			if (pids[i] != dead)
				continue;
			fprintf(stderr, "hello-fcgi: worker %d exited, restarting\n", (int)dead);
			pids[i] = hello_spawn(listen_fd, body, body_len, fl);
		}
	}
}

/*
 * Master: keep n workers alive until SIGTERM/SIGINT, then stop them all.
 * The signals are blocked and taken synchronously with sigwaitinfo, so no
 * handler and no race between checking a flag and sleeping.
 */
static void hello_supervise(pid_t *pids, int n, int listen_fd, const char *body, long body_len,
			    const struct floor *fl)
{
	sigset_t set;
	siginfo_t info;
	int i, status;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	for (;;) {
		int sig = sigwaitinfo(&set, &info);

		if (sig == SIGCHLD)
			hello_reap(pids, n, listen_fd, body, body_len, fl);
		else if (sig == SIGTERM || sig == SIGINT)
			break;
	}
	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	while (wait(&status) > 0 || errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	sigset_t set;
	pid_t pids[HELLO_MAX_WORKERS];
	long body_len = 12000;
	char *body;
	int listen_fd, n, i;
	struct floor fl = {NULL, 24};

	if (argc < 2 || argc > 5 || argv[1][0] == '\0') {
		fprintf(stderr, "usage: hello-fcgi SOCKET [BYTES [MEMCACHED-SOCKET [PARTS]]]\n");
		return 2;
	}
	if (argc >= 4)
		fl.socket = argv[3];
	if (argc == 5 && ((fl.parts = atoi(argv[4])) < 1 || fl.parts > HELLO_MAX_PARTS)) {
		fprintf(stderr, "hello-fcgi: PARTS must be 1..%d\n", HELLO_MAX_PARTS);
		return 2;
	}
	if (argc >= 3 && (body_len = hello_parse_bytes(argv[2])) < 0) {
		fprintf(stderr, "hello-fcgi: BYTES must be 0..%ld\n", HELLO_MAX_BYTES);
		return 2;
	}
	body = malloc((size_t)body_len + 1);
	if (body == NULL) {
		fprintf(stderr, "hello-fcgi: out of memory\n");
		return 1;
	}
	memset(body, 'x', (size_t)body_len);
	if (fl.socket && floor_store(&fl, body, body_len)) {
		fprintf(stderr, "hello-fcgi: cannot store the page in memcached at %s\n",
			fl.socket);
		free(body);
		return 1;
	}

	/* Block before forking so no signal is lost; workers unblock them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (FCGX_Init() != 0) {
		fprintf(stderr, "hello-fcgi: FCGX_Init failed\n");
		free(body);
		return 1;
	}
	unlink(argv[1]); /* a stale socket from a killed run */
	listen_fd = FCGX_OpenSocket(argv[1], HELLO_BACKLOG);
	if (listen_fd < 0) {
		fprintf(stderr, "hello-fcgi: cannot listen on %s: %s\n", argv[1], strerror(errno));
		free(body);
		return 1;
	}

	n = hello_worker_count();
	for (i = 0; i < n; i++)
		pids[i] = hello_spawn(listen_fd, body, body_len, &fl);
	fprintf(stderr, "hello-fcgi: %d workers on %s, %ld bytes per page\n", n, argv[1], body_len);

	hello_supervise(pids, n, listen_fd, body, body_len, &fl);
	close(listen_fd);
	unlink(argv[1]);
	free(body);
	return 0;
}

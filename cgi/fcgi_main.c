/* fcgi_main.c - imagier-fcgi: the pool master that pre-forks the workers. */
#include "config.h"
#include "log.h"
#include "util.h"
#include "worker.h"

#include <errno.h>
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 256
/* A worker that dies abnormally younger than this is replaced no sooner than
 * this long after it started: a crash loop forks once a second per slot, and
 * any other death is refilled at once (so always within a second). */
#define RESPAWN_US 1000000
/* The master looks at its children at least this often, whatever signals it
 * got or missed. */
#define TICK_US 1000000

/* The signals are blocked all the time and taken with sigtimedwait(); the
 * handler exists only so that none of them is ignored by default. */
static void on_signal(int sig)
{
	(void)sig;
}

struct pool {
	int fd;
	int nworkers;
	unsigned generation;
	pid_t pid[MAX_WORKERS];
	unsigned gen[MAX_WORKERS];
	int64_t born[MAX_WORKERS];   /* monotonic us */
	int64_t respawn_at;	     /* monotonic us: no refill before (crash loop) */
	char sock_path[CONFIG_PATH]; /* unix socket we created, to unlink */
};

/* An inherited socket: systemd (LISTEN_FDS, fd 3) or spawn-fcgi (fd 0). */
static int inherited_socket(void)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	if (fds && pid && atoi(fds) >= 1 && atoi(pid) == (int)getpid())
		return 3;
	/* spawn-fcgi: fd 0 is a listening socket (not merely any socket). */
	int listening = 0;
	socklen_t len = sizeof(listening);
	if (getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening)
		return 0;
	return -1;
}

static int open_listener(struct pool *p, const struct config *cfg)
{
	int fd = inherited_socket();
	if (fd >= 0) {
		log_info("using the inherited listening socket on fd %d", fd);
		return fd;
	}
	const char *l = cfg->listen;
	if (!strncmp(l, "unix:", 5)) {
		l += 5;
		str_copy(p->sock_path, l, sizeof(p->sock_path));
		unlink(l); /* a stale socket from a crash */
	}
	if (FCGX_Init()) {
		log_error("FCGX_Init failed");
		return -1;
	}
	mode_t old = umask(007);
	fd = FCGX_OpenSocket(l, 1024);
	umask(old);
	if (fd < 0)
		log_error("cannot listen on %s: %s", cfg->listen, strerror(errno));
	else
		log_info("listening on %s", cfg->listen);
	return fd;
}

static pid_t spawn(struct pool *p, int slot)
{
	pid_t master = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		/* A master killed with -9 must not leave its workers serving
		 * unsupervised: they get SIGTERM (a graceful stop) when it dies. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != master)
			_exit(0);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGCHLD, SIG_DFL);
		/* exit(), not _exit(): LeakSanitizer checks at exit. */
		exit(worker_run(p->fd));
	}
	if (pid < 0) {
		log_error("fork failed: %s", strerror(errno));
		return -1;
	}
	p->pid[slot] = pid;
	p->gen[slot] = p->generation;
	p->born[slot] = now_mono_us();
	return pid;
}

static void fill(struct pool *p)
{
	for (int i = 0; i < p->nworkers; i++)
		if (!p->pid[i])
			spawn(p, i);
}

/* Reap every dead worker (never blocks). A worker that died abnormally
 * before it was RESPAWN_US old pushes the next refill to RESPAWN_US after its
 * start. Returns how many died with an error status. */
static int reap(struct pool *p)
{
	int bad = 0, st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (int i = 0; i < MAX_WORKERS; i++) {
			if (p->pid[i] != pid)
				continue;
			p->pid[i] = 0;
			if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
				bad++;
				log_error("worker %d died (%s %d)", (int)pid,
					  WIFSIGNALED(st) ? "signal" : "status",
					  WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
				if (p->born[i] + RESPAWN_US > p->respawn_at)
					p->respawn_at = p->born[i] + RESPAWN_US;
			}
		}
	}
	return bad;
}

static int alive(const struct pool *p)
{
	int n = 0;
	for (int i = 0; i < MAX_WORKERS; i++)
		n += p->pid[i] != 0;
	return n;
}

static void signal_all(const struct pool *p, int sig)
{
	for (int i = 0; i < MAX_WORKERS; i++)
		if (p->pid[i])
			kill(p->pid[i], sig);
}

/* Graceful stop: workers finish the request they are on. */
static void stop_all(struct pool *p)
{
	for (int tries = 0; alive(p) && tries < 100; tries++) {
		signal_all(p, SIGTERM); /* repeated: one may be between checks */
		usleep(100 * 1000);
		reap(p);
	}
	if (alive(p)) {
		log_error("workers did not stop in 10 s; killing them");
		signal_all(p, SIGKILL);
		while (alive(p) && waitpid(-1, NULL, 0) > 0)
			reap(p);
	}
}

/* SIGHUP: new config, a fresh generation of workers, then the old one
 * leaves after its current requests; the socket stays open throughout. */
static void reload(struct pool *p)
{
	struct config cfg;
	char err[512];
	if (config_load(&cfg, err, sizeof(err))) {
		log_error("reload refused: %s", err);
		return;
	}
	int n = cfg.workers > MAX_WORKERS / 2 ? MAX_WORKERS / 2 : cfg.workers;
	unsigned old = p->generation++;
	pid_t oldpids[MAX_WORKERS];
	int nold = 0;
	for (int i = 0; i < MAX_WORKERS; i++)
		if (p->pid[i] && p->gen[i] == old)
			oldpids[nold++] = p->pid[i];
	/* Start the new ones in free slots, then retire the old ones. */
	int started = 0;
	for (int i = 0; i < MAX_WORKERS && started < n; i++)
		if (!p->pid[i] && spawn(p, i) > 0)
			started++;
	for (int i = 0; i < nold; i++)
		kill(oldpids[i], SIGTERM);
	p->nworkers = n;
	log_info("reloaded: %d new workers, %d old ones leaving", started, nold);
}

/* After a reload the slots are scattered: keep nworkers of the current
 * generation alive. */
static void refill(struct pool *p)
{
	int cur = 0;
	for (int i = 0; i < MAX_WORKERS; i++)
		cur += p->pid[i] && p->gen[i] == p->generation;
	for (int i = 0; i < MAX_WORKERS && cur < p->nworkers; i++)
		if (!p->pid[i] && spawn(p, i) > 0)
			cur++;
}

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf(
		    "usage: imagier-fcgi\n"
		    "Pre-forks FastCGI workers on the socket from imagier.conf (server.listen),\n"
		    "or on an inherited socket (spawn-fcgi: fd 0; systemd: LISTEN_FDS).\n"
		    "SIGHUP reloads, SIGTERM stops gracefully.\n");
		return 0;
	}
	struct config cfg;
	char err[512];
	if (config_load(&cfg, err, sizeof(err))) {
		fprintf(stderr, "imagier-fcgi: %s\n", err);
		return 1;
	}
	struct pool p;
	memset(&p, 0, sizeof(p));
	p.nworkers = cfg.workers > MAX_WORKERS / 2 ? MAX_WORKERS / 2 : cfg.workers;
	p.fd = open_listener(&p, &cfg);
	if (p.fd < 0)
		return 1;

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, NULL);

	log_info("imagier-fcgi starting %d workers (recycled after %ld requests)", p.nworkers,
		 cfg.max_requests);
	fill(&p);
	/* One loop, signals always blocked: reap everything that died (however
	 * many SIGCHLDs were merged into one), refill unless a crash loop asks
	 * to wait, then wait for the next signal or the next deadline. Nothing
	 * that happens between two waits can be missed: a signal stays pending
	 * until sigtimedwait() takes it, and the tick looks again anyway. */
	for (;;) {
		reap(&p);
		int64_t now = now_mono_us(), wait_us = TICK_US;
		if (now >= p.respawn_at)
			refill(&p);
		else if (p.respawn_at - now < wait_us)
			wait_us = p.respawn_at - now;
		struct timespec ts = {.tv_sec = (time_t)(wait_us / 1000000),
				      .tv_nsec = (long)(wait_us % 1000000) * 1000};
		int sig = sigtimedwait(&block, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP) {
			reap(&p);
			reload(&p);
		}
	}
	log_info("imagier-fcgi stopping");
	stop_all(&p);
	if (p.sock_path[0])
		unlink(p.sock_path);
	return 0;
}

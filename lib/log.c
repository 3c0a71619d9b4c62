/* log.c - one line per event to stderr (nginx or the supervisor collects it). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* The pid a process set with log_forked() (a worker, once it runs: no
 * getpid() per line), else 0 and getpid() is asked. */
static int log_pid;

void log_forked(void)
{
	log_pid = (int)getpid();
}

static void log_line(const char *level, const char *fmt, va_list ap)
{
	char msg[1024], ts[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One write per line so lines from several workers do not interleave. */
	char line[1200];
	int n = snprintf(line, sizeof(line), "%s imagier[%d] %s: %s\n", ts,
			 log_pid ? log_pid : (int)getpid(), level, msg);
	if (n > (int)sizeof(line))
		n = (int)sizeof(line);
	if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line("info", fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line("error", fmt, ap);
	va_end(ap);
}

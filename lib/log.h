/* log.h - one line per event to stderr (nginx or the supervisor collects it). */
#ifndef IMAGIER_LOG_H
#define IMAGIER_LOG_H

/* "2026-11-24T23:59:59Z imagier[pid] error: ..." Never pass secrets. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A forked process (a worker) calls it once: its lines then name its pid
 * without asking the kernel each time. */
void log_forked(void);

#endif

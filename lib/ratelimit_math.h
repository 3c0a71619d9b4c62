/* ratelimit_math.h - the arithmetic of the rate limits (cgi/ratelimit.c),
 * free of I/O so it can be tested alone.
 *
 * A sliding window is approximated by two adjacent fixed windows of the same
 * length W: at `elapsed` seconds into the current window, the count is
 *
 *     prev * (W - elapsed) / W + cur
 *
 * (the previous window's count, weighted by the share of it that the sliding
 * window still covers, plus the current one's). Two counters per subject,
 * no per-event storage, and no burst of 2 x limit at a window boundary. */
#ifndef IMAGIER_RATELIMIT_MATH_H
#define IMAGIER_RATELIMIT_MATH_H

#include <stddef.h>
#include <stdint.h>

/* Counts above this are taken as this (a garbled counter must not overflow
 * the arithmetic). Limits are at most 10^9 too (config.c's C_INT). */
#define RL_COUNT_MAX 1000000000ULL

/* Room for rl_addr_key's output, NUL included. */
#define RL_ADDR_MAX 64

/* May one more event happen now? prev and cur are the counts of the previous
 * and the current fixed window, window its length in seconds (> 0), elapsed
 * the seconds since the current window began (0 <= elapsed < window).
 * limit <= 0 means no limit. Returns 1 if the event fits (the estimate with
 * it is at most limit), else 0 and *retry_after = the whole seconds (>= 1)
 * until it would fit, if nothing else is counted meanwhile.
 *   rl_allow(0, 30, 30, 3600, 600, &s) == 0, s == 3000 + 120 (next window:
 *   30 * (3600 - e) / 3600 + 1 <= 30 once e >= 120)
 */
int rl_allow(uint64_t prev, uint64_t cur, int64_t limit, int64_t window, int64_t elapsed,
	     int64_t *retry_after);

/* The limit of an account: limit / divisor (at least 1) while the account is
 * younger than young_secs, else limit. limit <= 0 (none) stays as it is; a
 * divisor below 2 or young_secs <= 0 changes nothing. *young (may be NULL)
 * is set to 1 when the division applied. */
int64_t rl_account_limit(int64_t limit, int64_t age_secs, int64_t young_secs, int64_t divisor,
			 int *young);

/* The address as it is counted, written to out (outlen >= RL_ADDR_MAX):
 * IPv4 as is; IPv6 by its /64 network ("2001:db8:1:2::/64"), since one
 * subscriber usually holds a whole /64 and could otherwise rotate through
 * it; an IPv4-mapped IPv6 address as the IPv4 one. Anything unparseable is
 * kept with only [0-9A-Za-z.:-] (safe in a memcached key), "-" when empty. */
void rl_addr_key(const char *addr, char *out, size_t outlen);

/* A wait for people: "45 seconds", "1 minute", "12 minutes", "3 hours"
 * (rounded up to the unit, so it is never shorter than secs). */
void rl_duration_text(int64_t secs, char *out, size_t outlen);

#endif

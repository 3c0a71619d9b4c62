/* ratelimit_math.c - the arithmetic of the rate limits (see the header). */
#include "ratelimit_math.h"
#include "util.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

int rl_allow(uint64_t prev, uint64_t cur, int64_t limit, int64_t window, int64_t elapsed,
	     int64_t *retry_after)
{
	if (limit <= 0 || window <= 0)
		return 1;
	if (elapsed < 0)
		elapsed = 0;
	if (elapsed >= window)
		elapsed = window - 1;
	uint64_t p = prev < RL_COUNT_MAX ? prev : RL_COUNT_MAX;
	uint64_t n = cur < RL_COUNT_MAX ? cur : RL_COUNT_MAX;
	uint64_t L = (uint64_t)limit, W = (uint64_t)window, e = (uint64_t)elapsed;
	/* In units of 1/W events: p * (W - e) + (n + 1) * W <= L * W. */
	if (p * (W - e) + (n + 1) * W <= L * W)
		return 1;
	if (n + 1 <= L) {
		/* It fits later in this window, as the previous one slides out:
		 * p * (W - e - d) <= (L - 1 - n) * W. p > 0 here. */
		*retry_after = (int64_t)(W - e - ((L - 1 - n) * W) / p);
	} else {
		/* Only in the next window, where this one is the previous:
		 * n * (W - e') + W <= L * W, e' seconds into it. */
		*retry_after = (int64_t)((W - e) + (W - ((L - 1) * W) / n));
	}
	if (*retry_after < 1)
		*retry_after = 1;
	return 0;
}

int64_t rl_account_limit(int64_t limit, int64_t age_secs, int64_t young_secs, int64_t divisor,
			 int *young)
{
	if (young)
		*young = 0;
	if (limit <= 0 || divisor < 2 || young_secs <= 0 || age_secs >= young_secs)
		return limit;
	if (young)
		*young = 1;
	return limit / divisor > 0 ? limit / divisor : 1;
}

static void addr_filtered(const char *addr, char *out, size_t outlen)
{
	size_t o = 0;
	for (const char *s = addr; *s && o + 1 < outlen; s++)
		if ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= 'A' && *s <= 'Z') || *s == '.' || *s == ':' || *s == '-')
			out[o++] = *s;
	if (o == 0 && outlen > 1)
		out[o++] = '-';
	out[o] = '\0';
}

void rl_addr_key(const char *addr, char *out, size_t outlen)
{
	if (!outlen)
		return;
	if (!addr)
		addr = "";
	str_copy(out, "-", outlen);
	unsigned char a6[16];
	char text[INET6_ADDRSTRLEN];
	if (strchr(addr, ':') && inet_pton(AF_INET6, addr, a6) == 1) {
		static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (!memcmp(a6, mapped, sizeof(mapped))) {
			if (inet_ntop(AF_INET, a6 + 12, text, sizeof(text)))
				str_copy(out, text, outlen);
			return;
		}
		memset(a6 + 8, 0, 8);
		if (inet_ntop(AF_INET6, a6, text, sizeof(text)))
			snprintf(out, outlen, "%s/64", text);
		return;
	}
	addr_filtered(addr, out, outlen);
}

void rl_duration_text(int64_t secs, char *out, size_t outlen)
{
	if (secs < 1)
		secs = 1;
	int64_t n;
	const char *unit;
	if (secs < 60) {
		n = secs;
		unit = "second";
	} else if (secs <= 99 * 60) {
		n = (secs + 59) / 60;
		unit = "minute";
	} else {
		n = (secs + 3599) / 3600;
		unit = "hour";
	}
	snprintf(out, outlen, "%lld %s%s", (long long)n, unit, n == 1 ? "" : "s");
}

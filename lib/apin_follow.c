/* apin_follow.c - local people following remote ones (apin.h). */
#include "apin.h"

int apin_follow(const struct apin *in)
{
	(void)in;
	return 404;
}

/* apin_social.c - remote people acting on local content (apin.h). */
#include "apin.h"

int apin_social(const struct apin *in)
{
	(void)in;
	return 404;
}

/* gen_common.c - what every image generation backend shares. */
#include "gen.h"

#include <stdlib.h>
#include <string.h>

void gen_result_free(struct gen_result *res)
{
	if (!res)
		return;
	free(res->data);
	memset(res, 0, sizeof(*res));
}

/* media.c - a media file nginx did not find in the served store: the file
 * of a hidden or removed post (lib/withhold.h), handed by nginx (internal
 * location /_withheld/, X-Accel-Redirect) to whoever may still see it; 404
 * for everyone else. */
#include "app.h"
#include "withhold.h"

#include <string.h>

int media_show(struct ctx *c)
{
	const char *rel =
	    arena_printf(c->a, "%s/%s/%s", c->sparams[0], c->sparams[1], c->sparams[2]);
	int st = withhold_may_see(c->app->db, c->a, rel, c->me ? c->me->id : 0, ctx_is_mod(c));
	if (st == 503)
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	/* Not theirs to see, or no such file (it may have been put back in the
	 * served store a moment ago: the next request finds it there). */
	if (st || !strstr(media_file_path(c->a, c->app->cfg.media_dir, rel), "/" WITHHELD_DIR "/"))
		return ctx_fail(c, 404, "not_found", "There is no such file.");
	/* nginx keeps this Content-Type and Cache-Control (private, no-store)
	 * across the redirect. */
	const char *ext = strrchr(rel, '.') + 1; /* media_rel_ok: there is one */
	c->raw_type = !strcmp(ext, "webp")   ? "image/webp"
		      : !strcmp(ext, "png")  ? "image/png"
		      : !strcmp(ext, "avif") ? "image/avif"
					     : "image/jpeg";
	ctx_header(c, "X-Accel-Redirect", arena_printf(c->a, "/_withheld/%s", rel));
	return 200;
}

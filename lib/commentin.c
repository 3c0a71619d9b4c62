/* commentin.c - the checks and the write of a new comment (commentin.h). */
#include "commentin.h"
#include "classifier.h"
#include "http.h"
#include "social.h"
#include "wordfilter.h"

#include <string.h>

int commentin_text(struct arena *a, const struct textnorm_list *filter, const char *text,
		   const char **clean, const char **code, const char **why)
{
	const char *w;
	if (!text)
		text = "";
	if (text_clean(a, text, strlen(text), COMMENT_MAX_CHARS, clean, &w)) {
		*code = "bad_text";
		*why = arena_printf(a, "Comment: %s", w);
		return 400;
	}
	if (!**clean) {
		*code = "missing_text";
		*why = "Write something first.";
		return 400;
	}
	const char *hit = filter ? wordfilter_hit(a, filter, *clean) : NULL;
	if (hit) {
		*code = "blocked_word";
		*why = arena_printf(
		    a, "The comment contains something this site does not allow (“%s”).", hit);
		return 400;
	}
	return 0;
}

int commentin_write(struct db *db, struct cache *cache, const struct config *cfg, struct arena *a,
		    int64_t user_id, int64_t post_id, const struct social_check *chk,
		    const char *clean, int64_t *id, int64_t *created_at, int *held)
{
	*held = 0;
	if (chk->blocker)
		return 403;
	int st = social_comment_add(db, a, user_id, post_id, chk, clean, id, created_at);
	if (st)
		return st;
	*held = commentin_classify(db, cache, cfg, a, *id, clean);
	return 0;
}

int commentin_classify(struct db *db, struct cache *cache, const struct config *cfg,
		       struct arena *a, int64_t id, const char *clean)
{
	return classifier_new(db, a, cache, cfg, "comment", id, clean);
}

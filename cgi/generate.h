/* generate.h - what the handlers that make posts share: the generation form
 * (gen_form.c), used by /create (generate.c) and remixes (remix.c), and what
 * follows every new post (publish.c), used by uploads (post.c) too. */
#ifndef IMAGIER_GENERATE_H
#define IMAGIER_GENERATE_H

#include "genq.h"

struct ctx;
struct cJSON;

/* Read prompt, negative_prompt, style, backend, seed, width/height (or the
 * form's size "WxH") into rq; absent fields come from dflt (may be NULL).
 * Validates. Returns 0 or the status of ctx_fail. */
int gen_read_request(struct ctx *c, struct genq_request *rq, const struct genq_request *dflt);
/* Queue rq for the current user: 202 with {"generation":{id,status,url}}. */
int gen_enqueue(struct ctx *c, const struct genq_request *rq);
/* Add the form's size and backend choices (and form values) to the view. */
void gen_form_view(struct ctx *c, struct cJSON *form, int w, int h, const char *backend);
/* After a post is created: its files stamped, the cached feed pages stale,
 * and for a remix the parent's cached copy dropped and its author told. */
void post_published(struct ctx *c, int64_t post_id);

#endif

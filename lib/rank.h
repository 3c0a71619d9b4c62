/* rank.h - the "for you" ranking: pure functions over plain structs. */
#ifndef IMAGIER_RANK_H
#define IMAGIER_RANK_H

#include <stddef.h>
#include <stdint.h>

struct config;

/* Why a candidate is in the pool (a candidate may have several). */
enum rank_source {
	SRC_FOLLOWED_AUTHOR = 1 << 0, /* by someone the person follows */
	SRC_FOLLOWED_TAG = 1 << 1,    /* carries a tag the person follows */
	SRC_REMIX_OF_LIKED = 1 << 2,  /* a remix of a post the person liked */
	SRC_RISING = 1 << 3,	      /* rising site-wide */
	SRC_EXPLORE = 1 << 4,	      /* random pick from recent posts */
};

#define RANK_MAX_TAGS 10

/* One candidate post, as the feed code loads it. */
struct rank_item {
	int64_t post_id;
	int64_t author_id;
	int64_t created_at; /* unix seconds */
	uint32_t like_count, comment_count, remix_count;
	int64_t tag_ids[RANK_MAX_TAGS];
	int ntags;
	unsigned sources;	  /* enum rank_source bits */
	int64_t reason_tag_id;	  /* the followed tag that brought it in, or 0 */
	int64_t reason_parent_id; /* the liked post it remixes, or 0 */
	/* filled by rank_score: */
	double score;
	unsigned reason; /* the one source shown as "why" */
};

/* The person's tastes, loaded once per request. Arrays are sorted by id
 * (binary search); weights are in [0, 1]. */
struct rank_weight {
	int64_t id;
	double w;
};
struct rank_profile {
	const struct rank_weight *author_affinity; /* from their likes/comments */
	size_t nauthor_affinity;
	const struct rank_weight *tag_affinity;
	size_t ntag_affinity;
	const int64_t *hidden_authors; /* muted via "show less" strongly */
	size_t nhidden_authors;
	const struct rank_weight *less_authors; /* "show less like this": 0..1 penalty */
	size_t nless_authors;
	const struct rank_weight *less_tags;
	size_t nless_tags;
	const int64_t *seen; /* shown in the last pages */
	size_t nseen;
	int64_t self_id; /* never recommend own posts */
};

/* Tunable weights ([rank] in imagier.conf; rank_params_default gives the
 * documented defaults). */
struct rank_params {
	double w_like, w_comment, w_remix; /* engagement = sum w * log1p(count) */
	double half_life_hours;		   /* time decay of engagement */
	double w_author_affinity, w_tag_affinity;
	double w_followed_author, w_followed_tag, w_remix_of_liked, w_rising;
	double w_fresh, fresh_hours; /* bonus for posts younger than fresh_hours */
	double less_penalty;	     /* multiplier at full "show less" (e.g. 0.2) */
	double explore_share;	     /* share of a page given to exploration */
	int max_per_author;	     /* per page */
};
void rank_params_default(struct rank_params *p);
/* The [rank] weights of imagier.conf into p; a half-life, fresh hours or
 * per-author cap that is not above 0 means the default (24, 6, 2). */
void rank_params_from_config(const struct config *cfg, struct rank_params *p);

/* Score every item (sets score and reason). Items that must never show
 * (hidden author, own post, already seen) get score -INFINITY. */
void rank_score(struct rank_item *items, size_t n, const struct rank_profile *prof,
		const struct rank_params *p, int64_t now);

/* Choose up to page_size items for one page, in order: best score first,
 * at most max_per_author per author, excluded items never, and about
 * explore_share of the slots taken by SRC_EXPLORE items chosen by the
 * deterministic seed (so a reload shows the same page). Writes indexes into
 * out; returns how many. */
size_t rank_page(const struct rank_item *items, size_t n, const struct rank_params *p,
		 size_t page_size, uint64_t seed, size_t *out);

/* A person-readable reason for an item, e.g. "because you follow #sunset";
 * tag_name / author_name / parent author resolve ids to names (may be NULL).
 * Writes into buf (NUL-terminated, truncated). */
void rank_reason_text(const struct rank_item *it, const char *tag_name, const char *author_name,
		      char *buf, size_t buflen);

#endif

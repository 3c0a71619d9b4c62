/* classify.c - the learning text classifier and the image hash blocklist.
 *
 * The classifier is naive Bayes over the words (and word pairs) of prompts,
 * captions and comments (lib/bayes.c), trained from moderators' decisions:
 * remove = bad, dismiss = good. New content above [moderation] hold_at is
 * held back, above flag_at queued, with the words that weighed most. One in
 * five decisions is kept back to measure precision and recall (the admin
 * page /admin/classifier, GET /api/v1/admin/classifier).
 *
 * Pictures: every stored image has a 64-bit dHash (lib/phash.c). Removing a
 * post for cause blocks its hash; near-duplicate posts are linked through a
 * banded index (lib/imghash.c, table post_phash_bands). */
#include "app.h"
#include "feedview.h"
#include "bayes.h"
#include "cache.h"
#include "db.h"
#include "imghash.h"
#include "log.h"
#include "moderation.h"
#include "phash.h"
#include "post.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLASSIFIER_VERSION_KEY "imagier:v:classifier"
#define CLASSIFY_MAX_TOKENS    4096 /* words + pairs of one text (4000 characters at most) */
#define CLASSIFY_NOTE_WORDS    5    /* words named in the queue note */
#define CLASSIFY_HELDOUT_EVERY 5    /* 1 decision in 5 measures instead of teaching */
#define CLASSIFY_EVAL_MAX      2000 /* newest held-back decisions evaluated */
#define CLASSIFY_TOP_WORDS     20
#define CLASSIFY_RECENT	       20
#define NEAR_MAX_LINKS	       20 /* near-duplicates linked to a new post */

/* The worker's copy of the model. A FastCGI worker is one process serving
 * one request at a time, so this file-static copy persists across requests
 * and is reloaded when the version key in memcached moves (a decision was
 * learned by any worker) -- or every 30 s when memcached is down. It owns
 * only memory of its own (bayes.c mallocs), never a pointer into a request's
 * arena, and lives as long as the process: no free at exit. */
static struct {
	struct bayes_model m;
	int loaded;
	uint64_t version;
	int64_t loaded_at;
} model;

/* Make sure the model is current. 0, or -1 (database down and nothing
 * loaded yet; with an older copy that one stays in use). */
static int model_refresh(struct ctx *c)
{
	uint64_t v = cache_version(c->app->cache, CLASSIFIER_VERSION_KEY);
	if (model.loaded && (v ? v == model.version : now_unix() - model.loaded_at < 30))
		return 0;
	struct db *db = c->app->db;
	struct arena tmp; /* the whole table passes through: not the request's arena */
	struct db_res t, r;
	arena_init(&tmp);
	/* One transaction: totals and rows of the same snapshot. */
	int ok = db_begin(db) == DB_OK;
	ok = ok &&
	     db_exec(db, &tmp, &t, "SELECT bad_docs, good_docs FROM classifier_totals WHERE id = 1",
		     "") == DB_OK;
	ok = ok &&
	     db_exec(db, &tmp, &r, "SELECT token, bad, good FROM classifier_tokens", "") == DB_OK;
	if (!ok) {
		db_rollback(db);
		arena_free(&tmp);
		return model.loaded ? 0 : -1;
	}
	db_commit(db);
	bayes_free(&model.m);
	bayes_init(&model.m);
	for (size_t i = 0; i < r.nrows; i++)
		bayes_set(&model.m, db_str(&r, i, 0), (uint32_t)db_int(&r, i, 1),
			  (uint32_t)db_int(&r, i, 2));
	bayes_set_totals(&model.m, t.nrows ? (uint32_t)db_int(&t, 0, 0) : 0,
			 t.nrows ? (uint32_t)db_int(&t, 0, 1) : 0);
	model.loaded = 1;
	model.version = v;
	model.loaded_at = now_unix();
	arena_free(&tmp);
	return 0;
}

/* Enough decisions of both kinds to act on its scores? */
static int model_active(const struct ctx *c)
{
	const struct bayes_model *m = &model.m;
	return m->bad_docs > 0 && m->good_docs > 0 &&
	       (int64_t)m->bad_docs + m->good_docs >= c->app->cfg.mod_min_decisions;
}

static double logistic(double x)
{
	return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
}

static double round3(double x)
{
	return round(x * 1000.0) / 1000.0;
}

/* The text's tokens (arena). */
static size_t text_tokens(struct arena *a, const char *text, const char ***out)
{
	*out = arena_alloc(a, sizeof(**out) * CLASSIFY_MAX_TOKENS);
	return bayes_tokens(a, text ? text : "", *out, CLASSIFY_MAX_TOKENS);
}

/* Probability that text is bad, from the words' evidence alone: the sum of
 * the BAYES_TOP strongest token weights. The class prior of the decisions is
 * left out on purpose: moderators decide about reported content, not about
 * everything posted, so "most decisions were removals" says nothing about a
 * new post and would flag everything. top[0..BAYES_TOP) gets the reasons. */
static double tokens_score(const char **toks, size_t n, struct bayes_reason *top)
{
	bayes_score(&model.m, toks, n, top, BAYES_TOP);
	double x = 0;
	for (size_t i = 0; i < BAYES_TOP && top[i].token; i++)
		x += top[i].weight;
	return logistic(x);
}

static double text_score(struct arena *a, const char *text, struct bayes_reason *top)
{
	const char **toks;
	size_t n = text_tokens(a, text, &toks);
	return tokens_score(toks, n, top);
}

/* [{"token","weight"}...] of the reasons, strongest first. */
static cJSON *reasons_json(const struct bayes_reason *top)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < BAYES_TOP && top[i].token; i++) {
		cJSON *w = cJSON_CreateObject();
		cJSON_AddStringToObject(w, "token", top[i].token);
		cJSON_AddNumberToObject(w, "weight", round3(top[i].weight));
		cJSON_AddItemToArray(arr, w);
	}
	return arr;
}

/* "classifier 0.97: buy, cheap, pills" -- the words that pushed toward bad. */
static char *reasons_note(struct arena *a, double score, const struct bayes_reason *top)
{
	char *s = arena_printf(a, "classifier %.2f", score);
	int k = 0;
	for (size_t i = 0; i < BAYES_TOP && top[i].token && k < CLASSIFY_NOTE_WORDS; i++)
		if (top[i].weight > 0)
			s = arena_printf(a, "%s%s%s", s, k++ ? ", " : ": ", top[i].token);
	return s;
}

/* The text a decision is about: prompt and caption, or the comment. NULL if
 * it does not exist (or the database failed). */
static const char *target_text(struct ctx *c, const char *type, int64_t id)
{
	struct db_res r;
	const char *sql = !strcmp(type, "post")
			      ? "SELECT CONCAT(prompt, '\\n', caption) FROM posts WHERE id = ?"
			      : "SELECT text FROM comments WHERE id = ?";
	if (db_exec(c->app->db, c->a, &r, sql, "i", id) != DB_OK || !r.nrows)
		return NULL;
	return db_str(&r, 0, 0);
}

static int known_type(const char *type)
{
	return type && (!strcmp(type, "post") || !strcmp(type, "comment"));
}

static void near_link(struct ctx *c, int64_t post_id);

int classify_new(struct ctx *c, const char *type, int64_t id, const char *text)
{
	if (!known_type(type))
		return 0;
	if (!strcmp(type, "post"))
		near_link(c, id);
	if (!text)
		text = target_text(c, type, id);
	if (!text || model_refresh(c))
		return 0;
	struct bayes_reason top[BAYES_TOP];
	double score = text_score(c->a, text, top);
	const struct config *cfg = &c->app->cfg;
	int active = model_active(c);
	int hold = active && score >= cfg->mod_hold_at;
	int flag = active && !hold && score >= cfg->mod_flag_at;
	if (!hold && !flag)
		return 0; /* nothing to record: only flags and holds are shown */
	const char *action = hold ? "hold" : "flag";
	cJSON *words = reasons_json(top);
	char *wtext = cJSON_PrintUnformatted(words);
	cJSON_Delete(words);
	struct db *db = c->app->db;
	int ok = db_begin(db) == DB_OK;
	ok = ok &&
	     db_exec(db, c->a, NULL,
		     "INSERT INTO classifier_scores (target_type, target_id, score, action, "
		     "words, created_at) VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
		     "score = VALUES(score), action = VALUES(action), words = VALUES(words)",
		     "sidssi", type, id, score, action, wtext ? wtext : "[]", now_unix()) == DB_OK;
	free(wtext);
	if (ok && hold)
		ok = db_exec(db, c->a, NULL,
			     !strcmp(type, "post")
				 ? "UPDATE posts SET mod_state = 'held' WHERE id = ? AND "
				   "mod_state = 'visible'"
				 : "UPDATE comments SET mod_state = 'held' WHERE id = ? AND "
				   "mod_state = 'visible'",
			     "i", id) == DB_OK;
	/* The queue entry: a report by nobody, its note the filter's reason. The
	 * model learns "removed", not why, so the reason is 'other'. */
	if (ok && (hold || flag))
		ok = db_exec(
			 db, c->a, NULL,
			 "INSERT INTO reports (reporter_id, target_type, target_id, reason, "
			 "note, created_at, source) VALUES (NULL, ?, ?, 'other', ?, ?, 'filter')",
			 "sisi", type, id, reasons_note(c->a, score, top), now_unix()) == DB_OK;
	if (!ok || db_commit(db) != DB_OK) {
		if (!ok)
			db_rollback(db);
		log_error("classifier: could not record the score of %s %lld", type, (long long)id);
		return 0;
	}
	if (hold && !strcmp(type, "post"))
		feed_post_changed(c, id); /* a copy cached before the hold goes */
	if (hold || flag)
		log_info("classifier: %s %s %lld (%.3f)", hold ? "held" : "flagged", type,
			 (long long)id, score);
	return hold;
}

/* Add (sign 1) or take away (sign -1) one document of class bad with these
 * tokens, as deltas in SQL: concurrent decisions on other workers add up. */
static int model_delta(struct ctx *c, const char **toks, size_t n, int bad, int sign)
{
	struct db *db = c->app->db;
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(toks[i]));
	char *json = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	if (!json)
		return -1;
	int64_t b = bad ? 1 : 0, g = bad ? 0 : 1;
	int ok;
	if (sign > 0)
		ok = db_exec(db, c->a, NULL,
			     "INSERT INTO classifier_tokens (token, bad, good) SELECT j.t, ?, ? "
			     "FROM JSON_TABLE(?, '$[*]' COLUMNS (t VARCHAR(61) CHARACTER SET ascii "
			     "COLLATE ascii_bin PATH '$')) j ON DUPLICATE KEY UPDATE "
			     "bad = bad + VALUES(bad), good = good + VALUES(good)",
			     "iis", b, g, json) == DB_OK &&
		     db_exec(db, c->a, NULL,
			     "UPDATE classifier_totals SET bad_docs = bad_docs + ?, "
			     "good_docs = good_docs + ? WHERE id = 1",
			     "ii", b, g) == DB_OK;
	else
		ok = db_exec(db, c->a, NULL,
			     "UPDATE classifier_tokens k JOIN JSON_TABLE(?, '$[*]' COLUMNS "
			     "(t VARCHAR(61) CHARACTER SET ascii COLLATE ascii_bin PATH '$')) j "
			     "ON k.token = j.t SET k.bad = k.bad - LEAST(k.bad, ?), "
			     "k.good = k.good - LEAST(k.good, ?)",
			     "sii", json, b, g) == DB_OK &&
		     db_exec(db, c->a, NULL,
			     "DELETE k FROM classifier_tokens k JOIN JSON_TABLE(?, '$[*]' COLUMNS "
			     "(t VARCHAR(61) CHARACTER SET ascii COLLATE ascii_bin PATH '$')) j "
			     "ON k.token = j.t WHERE k.bad = 0 AND k.good = 0",
			     "s", json) == DB_OK &&
		     db_exec(
			 db, c->a, NULL,
			 "UPDATE classifier_totals SET bad_docs = bad_docs - LEAST(bad_docs, ?), "
			 "good_docs = good_docs - LEAST(good_docs, ?) WHERE id = 1",
			 "ii", b, g) == DB_OK;
	free(json);
	return ok ? 0 : -1;
}

void classify_learn(struct ctx *c, const char *type, int64_t id, int bad)
{
	if (!known_type(type))
		return;
	bad = bad ? 1 : 0;
	const char *text = target_text(c, type, id);
	if (!text) {
		log_error("classifier: %s %lld to learn from is not there", type, (long long)id);
		return;
	}
	struct db *db = c->app->db;
	struct db_res r;
	/* Deterministic by id: the same item always falls on the same side. */
	int heldout = id % CLASSIFY_HELDOUT_EVERY == 0;
	if (db_begin(db) != DB_OK)
		goto fail;
	if (db_exec(db, c->a, &r,
		    "SELECT is_bad, heldout, text FROM classifier_decisions WHERE target_type = ? "
		    "AND target_id = ? FOR UPDATE",
		    "si", type, id) != DB_OK)
		goto rollback;
	if (r.nrows && db_int(&r, 0, 0) == bad) {
		db_rollback(db); /* learned this already */
		return;
	}
	const char **toks;
	size_t n;
	/* Decided the other way before: forget the old lesson first. */
	if (r.nrows && !db_int(&r, 0, 1)) {
		n = text_tokens(c->a, db_str(&r, 0, 2), &toks);
		if (model_delta(c, toks, n, !bad, -1))
			goto rollback;
	}
	if (!heldout) {
		n = text_tokens(c->a, text, &toks);
		if (model_delta(c, toks, n, bad, 1))
			goto rollback;
	}
	if (db_exec(db, c->a, NULL,
		    "INSERT INTO classifier_decisions (target_type, target_id, is_bad, heldout, "
		    "text, decided_at) VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
		    "is_bad = VALUES(is_bad), heldout = VALUES(heldout), text = VALUES(text), "
		    "decided_at = VALUES(decided_at)",
		    "siiisi", type, id, (int64_t)bad, (int64_t)heldout, text, now_unix()) != DB_OK)
		goto rollback;
	if (db_commit(db) != DB_OK)
		goto fail;
	cache_bump(c->app->cache, CLASSIFIER_VERSION_KEY);
	model.loaded_at = 0; /* this worker reloads at once, memcached or not */
	model.version = 0;
	return;
rollback:
	db_rollback(db);
fail:
	log_error("classifier: could not learn from %s %lld", type, (long long)id);
}

/* ---- the admin page ---- */

/* Confusion matrix of the held-back decisions at threshold, as JSON fields. */
struct eval {
	uint32_t tp, fp, fn, tn;
};

static void eval_json(cJSON *o, const struct eval *e)
{
	double p = e->tp + e->fp ? (double)e->tp / (e->tp + e->fp) : 0.0;
	double r = e->tp + e->fn ? (double)e->tp / (e->tp + e->fn) : 0.0;
	cJSON_AddNumberToObject(o, "precision", round3(p));
	cJSON_AddNumberToObject(o, "recall", round3(r));
	cJSON_AddNumberToObject(o, "tp", e->tp);
	cJSON_AddNumberToObject(o, "fp", e->fp);
	cJSON_AddNumberToObject(o, "fn", e->fn);
	cJSON_AddNumberToObject(o, "tn", e->tn);
}

static void count(struct eval *e, int predicted, int bad)
{
	if (predicted && bad)
		e->tp++;
	else if (predicted)
		e->fp++;
	else if (bad)
		e->fn++;
	else
		e->tn++;
}

/* Score the newest held-back decisions (never trained on). */
static int evaluate(struct ctx *c, cJSON *d)
{
	struct db_res r;
	if (db_exec(c->app->db, c->a, &r,
		    "SELECT is_bad, text FROM classifier_decisions WHERE heldout = 1 "
		    "ORDER BY decided_at DESC LIMIT ?",
		    "i", (int64_t)CLASSIFY_EVAL_MAX) != DB_OK)
		return -1;
	struct eval flag = {0}, hold = {0};
	struct bayes_reason top[BAYES_TOP];
	const char **toks = arena_alloc(c->a, sizeof(*toks) * CLASSIFY_MAX_TOKENS);
	struct arena tmp; /* each text's tokens, dropped after it is scored */
	arena_init(&tmp);
	for (size_t i = 0; i < r.nrows; i++) {
		arena_reset(&tmp);
		const char *text = db_str(&r, i, 1);
		size_t n = bayes_tokens(&tmp, text ? text : "", toks, CLASSIFY_MAX_TOKENS);
		double s = tokens_score(toks, n, top);
		int bad = db_int(&r, i, 0) != 0;
		count(&flag, s >= c->app->cfg.mod_flag_at, bad);
		count(&hold, s >= c->app->cfg.mod_hold_at, bad);
	}
	arena_free(&tmp);
	cJSON_AddNumberToObject(d, "heldout", (double)r.nrows);
	cJSON_AddNumberToObject(d, "evaluated_at", c->app->cfg.mod_flag_at);
	eval_json(d, &flag);
	eval_json(cJSON_AddObjectToObject(d, "at_hold"), &hold);
	return 0;
}

/* The CLASSIFY_TOP_WORDS tokens that push hardest toward "remove". */
static void top_words(cJSON *d)
{
	struct bayes_reason best[CLASSIFY_TOP_WORDS];
	size_t nbest = 0, it = 0;
	const struct bayes_entry *e;
	while ((e = bayes_next(&model.m, &it))) {
		const char *tok = e->token;
		struct bayes_reason one;
		if (!e->bad)
			continue;
		bayes_score(&model.m, &tok, 1, &one, 1);
		if (!one.token || one.weight <= 0)
			continue;
		if (nbest == CLASSIFY_TOP_WORDS && one.weight <= best[nbest - 1].weight)
			continue;
		size_t i = nbest < CLASSIFY_TOP_WORDS ? nbest++ : nbest - 1;
		while (i > 0 && (one.weight > best[i - 1].weight ||
				 (one.weight == best[i - 1].weight &&
				  strcmp(one.token, best[i - 1].token) < 0))) {
			best[i] = best[i - 1];
			i--;
		}
		best[i] = one;
	}
	cJSON *arr = cJSON_AddArrayToObject(d, "top_bad_words");
	for (size_t i = 0; i < nbest; i++) {
		cJSON *w = cJSON_CreateObject();
		cJSON_AddStringToObject(w, "token", best[i].token);
		cJSON_AddNumberToObject(w, "weight", round3(best[i].weight));
		uint32_t b = 0, g = 0;
		bayes_get(&model.m, best[i].token, &b, &g);
		cJSON_AddNumberToObject(w, "bad", b);
		cJSON_AddNumberToObject(w, "good", g);
		cJSON_AddItemToArray(arr, w);
	}
}

/* What the filter held or flagged lately, with its words. */
static int recent_flags(struct ctx *c, cJSON *d)
{
	struct db_res r;
	/* Two index ranges (action, created_at), newest first. */
	if (db_exec(c->app->db, c->a, &r,
		    "SELECT s.target_type, s.target_id, s.score, s.action, s.words, s.created_at, "
		    "cm.post_id, COALESCE(p.mod_state, cm.mod_state) FROM ("
		    "(SELECT * FROM classifier_scores WHERE action = 'hold' "
		    "ORDER BY created_at DESC LIMIT ?) UNION ALL "
		    "(SELECT * FROM classifier_scores WHERE action = 'flag' "
		    "ORDER BY created_at DESC LIMIT ?)) s "
		    "LEFT JOIN posts p ON s.target_type = 'post' AND p.id = s.target_id "
		    "LEFT JOIN comments cm ON s.target_type = 'comment' AND cm.id = s.target_id "
		    "ORDER BY s.created_at DESC, s.target_id DESC LIMIT ?",
		    "iii", (int64_t)CLASSIFY_RECENT, (int64_t)CLASSIFY_RECENT,
		    (int64_t)CLASSIFY_RECENT) != DB_OK)
		return -1;
	cJSON *arr = cJSON_AddArrayToObject(d, "recent_flags");
	for (size_t i = 0; i < r.nrows; i++) {
		const char *type = db_str(&r, i, 0);
		int64_t id = db_int(&r, i, 1);
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "target_type", type);
		cJSON_AddNumberToObject(f, "target_id", (double)id);
		cJSON_AddNumberToObject(f, "score", round3(strtod(db_str(&r, i, 2), NULL)));
		cJSON_AddStringToObject(f, "action", db_str(&r, i, 3));
		cJSON *words = cJSON_Parse(db_str(&r, i, 4));
		cJSON_AddItemToObject(f, "words", words ? words : cJSON_CreateArray());
		char *list = arena_strdup(c->a, "");
		cJSON *w;
		cJSON_ArrayForEach(w, words)
		{
			cJSON *t = cJSON_GetObjectItemCaseSensitive(w, "token");
			cJSON *wt = cJSON_GetObjectItemCaseSensitive(w, "weight");
			if (cJSON_IsString(t) && cJSON_IsNumber(wt) && wt->valuedouble > 0)
				list = arena_printf(c->a, "%s%s%s", list, *list ? ", " : "",
						    t->valuestring);
		}
		cJSON_AddStringToObject(f, "words_text", list);
		cJSON_AddStringToObject(f, "at", time_iso(c->a, db_int(&r, i, 5)));
		cJSON_AddStringToObject(f, "at_text", time_text(c->a, db_int(&r, i, 5)));
		if (db_str(&r, i, 7))
			cJSON_AddStringToObject(f, "state", db_str(&r, i, 7));
		char *url = !strcmp(type, "post") ? arena_printf(c->a, "/p/%lld", (long long)id)
			    : db_str(&r, i, 6)	  ? arena_printf(c->a, "/p/%s#comment-%lld",
								 db_str(&r, i, 6), (long long)id)
						  : NULL;
		if (url)
			cJSON_AddStringToObject(f, "url", url);
		cJSON_AddItemToArray(arr, f);
	}
	return 0;
}

int classifier_show(struct ctx *c)
{
	if (model_refresh(c))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	const struct config *cfg = &c->app->cfg;
	cJSON *d = ctx_data(c);
	cJSON *dec = cJSON_AddObjectToObject(d, "decisions");
	cJSON_AddNumberToObject(dec, "bad", model.m.bad_docs);
	cJSON_AddNumberToObject(dec, "good", model.m.good_docs);
	cJSON_AddNumberToObject(d, "tokens", (double)model.m.count);
	cJSON_AddNumberToObject(d, "min_decisions", cfg->mod_min_decisions);
	cJSON_AddBoolToObject(d, "active", model_active(c));
	cJSON *th = cJSON_AddObjectToObject(d, "threshold");
	cJSON_AddNumberToObject(th, "hold_at", cfg->mod_hold_at);
	cJSON_AddNumberToObject(th, "flag_at", cfg->mod_flag_at);
	if (evaluate(c, d) || recent_flags(c, d))
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	top_words(d);
	c->title = "Classifier";
	return 200;
}

/* ---- pictures ---- */

static uint64_t cell_u64(const struct db_res *r, size_t i, size_t k)
{
	const char *s = db_str(r, i, k);
	return s ? strtoull(s, NULL, 10) : 0;
}

int imghash_check(struct ctx *c, uint64_t phash)
{
	int64_t post_id;
	int rc = imghash_blocked(c->app->db, c->a, phash, c->app->cfg.mod_block_distance, &post_id);
	if (rc != 1)
		return 0; /* not blocked, or cannot tell: the upload goes on */
	log_info("upload by %s refused: the picture of removed post %lld",
		 c->me ? c->me->username : "?", (long long)post_id);
	return ctx_fail(c, 422, "blocked_image", IMGHASH_BLOCKED_MSG);
}

/* Link a new post to the posts whose pictures are within near_distance
 * (both directions), then add it to the banded index. Best effort. */
static void near_link(struct ctx *c, int64_t post_id)
{
	struct db *db = c->app->db;
	struct db_res r;
	if (db_exec(db, c->a, &r,
		    "SELECT i.phash FROM posts p JOIN images i ON i.id = p.image_id "
		    "WHERE p.id = ? AND i.phash IS NOT NULL",
		    "i", post_id) != DB_OK ||
	    !r.nrows)
		return;
	uint64_t h = cell_u64(&r, 0, 0);
	if (imghash_plainness(h) < IMGHASH_MIN_DETAIL)
		return;
	int d = c->app->cfg.mod_near_distance;
	d = imghash_radius(h, d < IMGHASH_MAX_RADIUS ? d : IMGHASH_MAX_RADIUS);
	uint32_t probes[IMGHASH_MAX_PROBES];
	size_t n = imghash_probes(h, d, probes, IMGHASH_MAX_PROBES);
	struct buf json = {0};
	buf_putc(&json, '[');
	for (size_t i = 0; i < n; i++)
		buf_printf(&json, "%s[%u,%u]", i ? "," : "", (unsigned)(probes[i] >> 16),
			   (unsigned)(probes[i] & 0xffff));
	buf_putc(&json, ']');
	/* Candidates share a band within d/4 bits (point lookups on the primary
	 * key of post_phash_bands); then the exact distance, within both
	 * pictures' radius (imghash_radius). */
	int found =
	    db_exec(
		db, c->a, &r,
		"SELECT DISTINCT b.post_id, BIT_COUNT(b.phash ^ ?) AS d "
		"FROM JSON_TABLE(?, '$[*]' COLUMNS (band INT PATH '$[0]', bits INT PATH '$[1]')) j "
		"JOIN post_phash_bands b ON b.band = j.band AND b.bits = j.bits "
		"WHERE b.post_id <> ? AND BIT_COUNT(b.phash ^ ?) <= "
		"LEAST(?, LEAST(BIT_COUNT(b.phash), 64 - BIT_COUNT(b.phash)) DIV 2) "
		"ORDER BY d, b.post_id LIMIT ?",
		"usiuii", h, buf_cstr(&json), post_id, h, (int64_t)d,
		(int64_t)NEAR_MAX_LINKS) == DB_OK;
	buf_free(&json);
	if (!found || db_begin(db) != DB_OK)
		return;
	int ok = 1;
	for (int k = 0; ok && k < IMGHASH_BANDS; k++)
		ok = db_exec(db, c->a, NULL,
			     "INSERT IGNORE INTO post_phash_bands (band, bits, post_id, phash) "
			     "VALUES (?, ?, ?, ?)",
			     "iiiu", (int64_t)k, (int64_t)imghash_band(h, k), post_id, h) == DB_OK;
	for (size_t i = 0; ok && i < r.nrows; i++)
		ok =
		    db_exec(db, c->a, NULL,
			    "INSERT IGNORE INTO near_duplicates (post_id, other_post_id, distance) "
			    "VALUES (?, ?, ?), (?, ?, ?)",
			    "iiiiii", post_id, db_int(&r, i, 0), db_int(&r, i, 1), db_int(&r, i, 0),
			    post_id, db_int(&r, i, 1)) == DB_OK;
	if (!ok || db_commit(db) != DB_OK) {
		if (!ok)
			db_rollback(db);
		log_error("near duplicates of post %lld: not recorded", (long long)post_id);
	}
}

/* The dHash of an image stored before hashes were kept: from its full-size
 * JPEG in the media store (the hash survives that re-encoding). */
static int hash_from_file(struct ctx *c, const char *variants, uint64_t *h)
{
	cJSON *v = cJSON_Parse(variants ? variants : "");
	cJSON *jpeg =
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(v, "full"), "jpeg");
	int rc = -1;
	char *path = cJSON_IsString(jpeg) && !strstr(jpeg->valuestring, "..")
			 ? arena_printf(c->a, "%s/%s", c->app->cfg.media_dir, jpeg->valuestring)
			 : NULL;
	cJSON_Delete(v);
	FILE *f = path ? fopen(path, "rb") : NULL;
	if (!f)
		return -1;
	long len = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	if (len > 0 && len <= c->app->cfg.max_upload * 4L && fseek(f, 0, SEEK_SET) == 0) {
		unsigned char *buf = arena_alloc(c->a, (size_t)len);
		const char *why;
		if (fread(buf, 1, (size_t)len, f) == (size_t)len &&
		    phash_dhash(buf, (size_t)len, (uint64_t)c->app->cfg.max_pixels, h, &why) == 0)
			rc = 0;
	}
	fclose(f);
	return rc;
}

void imghash_block_post(struct ctx *c, int64_t post_id, int64_t action_id)
{
	struct db *db = c->app->db;
	struct db_res r;
	if (db_exec(db, c->a, &r,
		    "SELECT i.id, i.phash, i.variants FROM posts p JOIN images i "
		    "ON i.id = p.image_id WHERE p.id = ?",
		    "i", post_id) != DB_OK ||
	    !r.nrows) {
		log_error("blocklist: the picture of post %lld is not there", (long long)post_id);
		return;
	}
	uint64_t h = cell_u64(&r, 0, 1);
	if (!db_str(&r, 0, 1)) {
		if (hash_from_file(c, db_str(&r, 0, 2), &h)) {
			log_error("blocklist: cannot hash the picture of post %lld",
				  (long long)post_id);
			return;
		}
		db_exec(db, c->a, NULL, "UPDATE images SET phash = ? WHERE id = ?", "ui", h,
			db_int(&r, 0, 0));
	}
	if (db_exec(db, c->a, NULL,
		    "INSERT IGNORE INTO blocked_hashes (hash, action_id, post_id, created_at) "
		    "VALUES (?, NULLIF(GREATEST(?, 0), 0), ?, ?)",
		    "uiii", h, action_id, post_id, now_unix()) != DB_OK) {
		log_error("blocklist: could not block the picture of post %lld",
			  (long long)post_id);
		return;
	}
	char hex[17];
	phash_hex(h, hex);
	log_info("blocklist: picture %s of post %lld blocked (radius %d)", hex, (long long)post_id,
		 imghash_radius(h, c->app->cfg.mod_block_distance));
}

void imghash_unblock_post(struct ctx *c, int64_t post_id)
{
	if (db_exec(c->app->db, c->a, NULL, "DELETE FROM blocked_hashes WHERE post_id = ?", "i",
		    post_id) != DB_OK)
		log_error("blocklist: could not unblock the picture of post %lld",
			  (long long)post_id);
}

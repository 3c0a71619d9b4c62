/* classifier.c - the learning text classifier of moderation (see
 * classifier.h): the process's copy of the model, scoring new content,
 * learning from decisions, and the admin page's numbers. */
#include "classifier.h"
#include "json.h"

#include "bayes.h"
#include "cache.h"
#include "cachekey.h"
#include "config.h"
#include "db.h"
#include "imghash.h"
#include "log.h"
#include "post.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CLASSIFIER_VERSION_KEY "imagier:v:classifier"
#define CLASSIFY_MAX_TOKENS    4096 /* words + pairs of one text (4000 characters at most) */
#define CLASSIFY_NOTE_WORDS    5    /* words named in the queue note */
#define CLASSIFY_HELDOUT_EVERY 5    /* 1 decision in 5 measures instead of teaching */
#define CLASSIFY_EVAL_MAX      2000 /* newest held-back decisions evaluated */
#define CLASSIFY_TOP_WORDS     20
#define CLASSIFY_RECENT	       20

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
static int model_refresh(struct db *db, struct cache *cache)
{
	uint64_t v = cache_version(cache, CLASSIFIER_VERSION_KEY);
	if (model.loaded && (v ? v == model.version : now_unix() - model.loaded_at < 30))
		return 0;
	struct arena tmp; /* the whole table passes through: not the request's arena */
	struct db_res t, r;
	arena_init(&tmp);
	/* One transaction: totals and rows of the same snapshot. */
	int ok = db_begin(db) == DB_OK;
	ok = ok &&
	     db_read(db, &tmp, &t, "SELECT bad_docs, good_docs FROM classifier_totals WHERE id = 1",
		     "") == DB_OK;
	ok = ok &&
	     db_read(db, &tmp, &r, "SELECT token, bad, good FROM classifier_tokens", "") == DB_OK;
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
static int model_active(const struct config *cfg)
{
	const struct bayes_model *m = &model.m;
	return m->bad_docs > 0 && m->good_docs > 0 &&
	       (int64_t)m->bad_docs + m->good_docs >= cfg->mod_min_decisions;
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
static const char *target_text(struct db *db, struct arena *a, const char *type, int64_t id)
{
	struct db_res r;
	const char *sql = !strcmp(type, "post")
			      ? "SELECT CONCAT(prompt, '\\n', caption) FROM posts WHERE id = ?"
			      : "SELECT text FROM comments WHERE id = ?";
	if (db_read(db, a, &r, sql, "i", id) != DB_OK || !r.nrows)
		return NULL;
	return db_str(&r, 0, 0);
}

static int known_type(const char *type)
{
	return type && (!strcmp(type, "post") || !strcmp(type, "comment"));
}

int classifier_new(struct db *db, struct arena *a, struct cache *cache, const struct config *cfg,
		   const char *type, int64_t id, const char *text)
{
	if (!known_type(type))
		return 0;
	if (!strcmp(type, "post"))
		imghash_link_near(db, a, cfg->mod_near_distance, id);
	if (!text)
		text = target_text(db, a, type, id);
	if (!text || model_refresh(db, cache))
		return 0;
	struct bayes_reason top[BAYES_TOP];
	double score = text_score(a, text, top);
	int active = model_active(cfg);
	int hold = active && score >= cfg->mod_hold_at;
	int flag = active && !hold && score >= cfg->mod_flag_at;
	if (!hold && !flag)
		return 0; /* nothing to record: only flags and holds are shown */
	const char *action = hold ? "hold" : "flag";
	cJSON *words = reasons_json(top);
	char *wtext = json_print(words);
	cJSON_Delete(words);
	int ok = db_begin(db) == DB_OK;
	ok = ok &&
	     db_exec(db, a, NULL,
		     "INSERT INTO classifier_scores (target_type, target_id, score, action, "
		     "words, created_at) VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
		     "score = VALUES(score), action = VALUES(action), words = VALUES(words)",
		     "sidssi", type, id, score, action, wtext ? wtext : "[]", now_unix()) == DB_OK;
	free(wtext);
	if (ok && hold)
		ok = db_exec(db, a, NULL,
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
			 db, a, NULL,
			 "INSERT INTO reports (reporter_id, target_type, target_id, reason, "
			 "note, created_at, source) VALUES (NULL, ?, ?, 'other', ?, ?, 'filter')",
			 "sisi", type, id, reasons_note(a, score, top), now_unix()) == DB_OK;
	if (!ok || db_commit(db) != DB_OK) {
		if (!ok)
			db_rollback(db);
		log_error("classifier: could not record the score of %s %lld", type, (long long)id);
		return 0;
	}
	if (hold && !strcmp(type, "post"))
		cache_delete(cache, cachekey_post(a, id)); /* a copy cached before the hold goes */
	if (hold || flag)
		log_info("classifier: %s %s %lld (%.3f)", hold ? "held" : "flagged", type,
			 (long long)id, score);
	return hold;
}

/* Add (sign 1) or take away (sign -1) one document of class bad with these
 * tokens, as deltas in SQL: concurrent decisions on other workers add up. */
static int model_delta(struct db *db, struct arena *a, const char **toks, size_t n, int bad,
		       int sign)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(toks[i]));
	char *json = json_print(arr);
	cJSON_Delete(arr);
	if (!json)
		return -1;
	int64_t b = bad ? 1 : 0, g = bad ? 0 : 1;
	int ok;
	if (sign > 0)
		ok = db_exec(db, a, NULL,
			     "INSERT INTO classifier_tokens (token, bad, good) SELECT j.t, ?, ? "
			     "FROM JSON_TABLE(?, '$[*]' COLUMNS (t VARCHAR(61) CHARACTER SET ascii "
			     "COLLATE ascii_bin PATH '$')) j ON DUPLICATE KEY UPDATE "
			     "bad = bad + VALUES(bad), good = good + VALUES(good)",
			     "iis", b, g, json) == DB_OK &&
		     db_exec(db, a, NULL,
			     "UPDATE classifier_totals SET bad_docs = bad_docs + ?, "
			     "good_docs = good_docs + ? WHERE id = 1",
			     "ii", b, g) == DB_OK;
	else
		ok = db_exec(db, a, NULL,
			     "UPDATE classifier_tokens k JOIN JSON_TABLE(?, '$[*]' COLUMNS "
			     "(t VARCHAR(61) CHARACTER SET ascii COLLATE ascii_bin PATH '$')) j "
			     "ON k.token = j.t SET k.bad = k.bad - LEAST(k.bad, ?), "
			     "k.good = k.good - LEAST(k.good, ?)",
			     "sii", json, b, g) == DB_OK &&
		     db_exec(db, a, NULL,
			     "DELETE k FROM classifier_tokens k JOIN JSON_TABLE(?, '$[*]' COLUMNS "
			     "(t VARCHAR(61) CHARACTER SET ascii COLLATE ascii_bin PATH '$')) j "
			     "ON k.token = j.t WHERE k.bad = 0 AND k.good = 0",
			     "s", json) == DB_OK &&
		     db_exec(
			 db, a, NULL,
			 "UPDATE classifier_totals SET bad_docs = bad_docs - LEAST(bad_docs, ?), "
			 "good_docs = good_docs - LEAST(good_docs, ?) WHERE id = 1",
			 "ii", b, g) == DB_OK;
	free(json);
	return ok ? 0 : -1;
}

void classifier_learn(struct db *db, struct arena *a, struct cache *cache, const char *type,
		      int64_t id, int bad)
{
	if (!known_type(type))
		return;
	bad = bad ? 1 : 0;
	const char *text = target_text(db, a, type, id);
	if (!text) {
		log_error("classifier: %s %lld to learn from is not there", type, (long long)id);
		return;
	}
	struct db_res r;
	/* Deterministic by id: the same item always falls on the same side. */
	int heldout = id % CLASSIFY_HELDOUT_EVERY == 0;
	if (db_begin(db) != DB_OK)
		goto fail;
	if (db_exec(db, a, &r,
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
		n = text_tokens(a, db_str(&r, 0, 2), &toks);
		if (model_delta(db, a, toks, n, !bad, -1))
			goto rollback;
	}
	if (!heldout) {
		n = text_tokens(a, text, &toks);
		if (model_delta(db, a, toks, n, bad, 1))
			goto rollback;
	}
	if (db_exec(db, a, NULL,
		    "INSERT INTO classifier_decisions (target_type, target_id, is_bad, heldout, "
		    "text, decided_at) VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
		    "is_bad = VALUES(is_bad), heldout = VALUES(heldout), text = VALUES(text), "
		    "decided_at = VALUES(decided_at)",
		    "siiisi", type, id, (int64_t)bad, (int64_t)heldout, text, now_unix()) != DB_OK)
		goto rollback;
	if (db_commit(db) != DB_OK)
		goto fail;
	cache_bump(cache, CLASSIFIER_VERSION_KEY);
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
static int evaluate(struct db *db, struct arena *a, const struct config *cfg, cJSON *d)
{
	struct db_res r;
	if (db_read(db, a, &r,
		    "SELECT is_bad, text FROM classifier_decisions WHERE heldout = 1 "
		    "ORDER BY decided_at DESC LIMIT ?",
		    "i", (int64_t)CLASSIFY_EVAL_MAX) != DB_OK)
		return -1;
	struct eval flag = {0}, hold = {0};
	struct bayes_reason top[BAYES_TOP];
	const char **toks = arena_alloc(a, sizeof(*toks) * CLASSIFY_MAX_TOKENS);
	struct arena tmp; /* each text's tokens, dropped after it is scored */
	arena_init(&tmp);
	for (size_t i = 0; i < r.nrows; i++) {
		arena_reset(&tmp);
		const char *text = db_str(&r, i, 1);
		size_t n = bayes_tokens(&tmp, text ? text : "", toks, CLASSIFY_MAX_TOKENS);
		double s = tokens_score(toks, n, top);
		int bad = db_int(&r, i, 0) != 0;
		count(&flag, s >= cfg->mod_flag_at, bad);
		count(&hold, s >= cfg->mod_hold_at, bad);
	}
	arena_free(&tmp);
	cJSON_AddNumberToObject(d, "heldout", (double)r.nrows);
	cJSON_AddNumberToObject(d, "evaluated_at", cfg->mod_flag_at);
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
static int recent_flags(struct db *db, struct arena *a, cJSON *d)
{
	struct db_res r;
	/* Two index ranges (action, created_at), newest first. */
	if (db_read(db, a, &r,
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
		char *list = arena_strdup(a, "");
		cJSON *w;
		cJSON_ArrayForEach(w, words)
		{
			cJSON *t = cJSON_GetObjectItemCaseSensitive(w, "token");
			cJSON *wt = cJSON_GetObjectItemCaseSensitive(w, "weight");
			if (cJSON_IsString(t) && cJSON_IsNumber(wt) && wt->valuedouble > 0)
				list = arena_printf(a, "%s%s%s", list, *list ? ", " : "",
						    t->valuestring);
		}
		cJSON_AddStringToObject(f, "words_text", list);
		time_json(f, a, "at", "at_text", db_int(&r, i, 5));
		if (db_str(&r, i, 7))
			cJSON_AddStringToObject(f, "state", db_str(&r, i, 7));
		char *url = !strcmp(type, "post") ? arena_printf(a, "/p/%lld", (long long)id)
			    : db_str(&r, i, 6)	  ? arena_printf(a, "/p/%s#comment-%lld",
								 db_str(&r, i, 6), (long long)id)
						  : NULL;
		if (url)
			cJSON_AddStringToObject(f, "url", url);
		cJSON_AddItemToArray(arr, f);
	}
	return 0;
}

int classifier_page(struct db *db, struct arena *a, struct cache *cache, const struct config *cfg,
		    cJSON *d)
{
	if (model_refresh(db, cache))
		return -1;
	cJSON *dec = cJSON_AddObjectToObject(d, "decisions");
	cJSON_AddNumberToObject(dec, "bad", model.m.bad_docs);
	cJSON_AddNumberToObject(dec, "good", model.m.good_docs);
	cJSON_AddNumberToObject(d, "tokens", (double)model.m.count);
	cJSON_AddNumberToObject(d, "min_decisions", cfg->mod_min_decisions);
	cJSON_AddBoolToObject(d, "active", model_active(cfg));
	cJSON *th = cJSON_AddObjectToObject(d, "threshold");
	cJSON_AddNumberToObject(th, "hold_at", cfg->mod_hold_at);
	cJSON_AddNumberToObject(th, "flag_at", cfg->mod_flag_at);
	if (evaluate(db, a, cfg, d) || recent_flags(db, a, d))
		return -1;
	top_words(d);
	return 0;
}

/* idempotency.c - the Idempotency-Key header of creating requests (routes
 * flagged R_IDEM): idem_begin before the handler, idem_end after the answer
 * (app.h). The rows and their rules are lib/idem.c's. */
#include "app.h"
#include "idem.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <string.h>

/* Feed s and its NUL (so "ab"+"c" and "a"+"bc" differ). */
static void put_str(crypto_generichash_state *h, const char *s)
{
	crypto_generichash_update(h, (const unsigned char *)(s ? s : ""), strlen(s ? s : "") + 1);
}

/* What the request asks, as hex into out[65]: the route, the path (its ids)
 * and the body -- JSON or urlencoded as sent; multipart as its fields and
 * files, since a client's retry draws a new boundary. */
static void request_hash(const struct ctx *c, char *out)
{
	const struct request *r = c->req;
	unsigned char h[32];
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	put_str(&st, r->method);
	put_str(&st, c->route->pattern);
	put_str(&st, r->path);
	if (r->nparts || r->form.n) {
		for (size_t i = 0; i < r->form.n; i++) {
			put_str(&st, r->form.items[i].key);
			put_str(&st, r->form.items[i].val);
		}
		for (size_t i = 0; i < r->nparts; i++) {
			char len[24];
			snprintf(len, sizeof(len), "%zu", r->parts[i].len);
			put_str(&st, r->parts[i].name);
			put_str(&st, len);
			crypto_generichash_update(&st, r->parts[i].data, r->parts[i].len);
		}
	} else if (r->body_len) {
		crypto_generichash_update(&st, r->body, r->body_len);
	}
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/* Answer with what the key's first request got. */
static int replay(struct ctx *c, const struct idem_found *f)
{
	ctx_header(c, "Idempotent-Replayed", "true");
	if (!c->api) {
		c->location = *f->location ? f->location : "/";
		return 303;
	}
	int status = f->body ? f->status : 201;
	if (*f->location && (status == 201 || status == 202))
		ctx_header(c, "Location", f->location);
	if (f->body) {
		buf_puts(&c->resp->body, f->body);
		c->raw_type = "application/json";
		return status;
	}
	/* Created, but its answer is not recorded: the first request is still
	 * being answered (a few seconds at most), or its worker stopped. A
	 * Mastodon client reads only a status: while the first may still
	 * answer, it is asked to come back for the recorded one. */
	if (masto_face(c) && f->age < 30) {
		ctx_header(c, "Retry-After", "1");
		return ctx_fail(c, 409, "idempotency_key_in_use",
				"The first request with this Idempotency-Key is still being "
				"answered; try again in a second.");
	}
	cJSON *d = ctx_data(c);
	cJSON_AddNumberToObject(d, "id", (double)f->resource_id);
	if (*f->location)
		cJSON_AddStringToObject(d, "url", f->location);
	cJSON_AddBoolToObject(d, "replayed", 1);
	return 201;
}

/* The stored key k as an answer: a replay, or 422 for another request. */
static int answer_from(struct ctx *c, const struct idem_found *f)
{
	if (!f->same)
		return ctx_fail(c, 422, "idempotency_key_reused",
				"This Idempotency-Key was used for a different request; use a "
				"new key for a new request.");
	return replay(c, f);
}

int idem_begin(struct ctx *c)
{
	const char *key = kv_get(&c->req->headers, "idempotency-key");
	if (!key || !c->me)
		return 0;
	if (!idem_key_ok(key))
		return ctx_fail(c, 400, "bad_idempotency_key",
				"Idempotency-Key must be 1 to 255 visible ASCII characters.");
	struct idem *k = arena_alloc(c->a, sizeof(*k));
	memset(k, 0, sizeof(*k));
	k->user_id = c->me->id;
	k->key = key;
	k->route = arena_printf(c->a, "%s %s", c->req->method, c->route->pattern);
	request_hash(c, k->hash);
	struct idem_found f;
	switch (idem_find(c->app->db, c->a, k, &f)) {
	case 1:
		return answer_from(c, &f);
	case 0:
		c->idem = k;
		idem_arm(c->app->db, k);
		return 0;
	default:
		return ctx_fail(c, 503, "unavailable", "The database is not answering.");
	}
}

int idem_end(struct ctx *c, int *status)
{
	struct db *db = c->app->db;
	int collided = idem_state(db) == IDEM_COLLIDED;
	if (!collided) {
		idem_finish(db, c->a, c->resp->status, c->resp->body.data, c->resp->body.len);
		return 0;
	}
	/* Another request with this key committed first: answer as it did. */
	idem_disarm(db);
	log_info("idempotency: %s by %s met its key's first request; answered as it was",
		 c->idem->route, c->me->username);
	struct idem_found f;
	if (idem_find(db, c->a, c->idem, &f) != 1)
		return 0; /* keep the handler's answer (a 503) */
	ctx_drop_answer(c, 0);
	*status = answer_from(c, &f);
	return 1;
}

/* apkey.c - per-person RSA key pairs for ActivityPub (apkey.h). */
#include "apkey.h"
#include "db.h"
#include "log.h"
#include "util.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <string.h>

/* The PEM a write callback put into a memory BIO, as an arena string. */
static char *bio_text(struct arena *a, BIO *b)
{
	char *p = NULL;
	long n = BIO_get_mem_data(b, &p);
	return n > 0 && p ? arena_strndup(a, p, (size_t)n) : NULL;
}

int apkey_generate(struct arena *a, char **public_pem, char **private_pem)
{
	int rc = -1;
	EVP_PKEY *k = EVP_RSA_gen(APKEY_BITS);
	BIO *pub = BIO_new(BIO_s_mem()), *priv = BIO_new(BIO_s_mem());
	if (!k || !pub || !priv || PEM_write_bio_PUBKEY(pub, k) != 1 ||
	    PEM_write_bio_PrivateKey(priv, k, NULL, NULL, 0, NULL, NULL) != 1)
		goto done;
	*public_pem = bio_text(a, pub);
	*private_pem = bio_text(a, priv);
	if (*public_pem && *private_pem)
		rc = 0;
done:
	if (rc)
		log_error("apkey: could not make an RSA-%d key pair", APKEY_BITS);
	BIO_free(pub);
	BIO_free(priv);
	EVP_PKEY_free(k);
	return rc;
}

int apkey_get(struct db *db, struct arena *a, int64_t user_id, const char **pem,
	      const char **private_pem)
{
	struct db_res r;
	const char *sql = private_pem
			      ? "SELECT public_pem, private_pem FROM ap_keys WHERE user_id = ?"
			      : "SELECT public_pem, '' FROM ap_keys WHERE user_id = ?";
	if (db_read(db, a, &r, sql, "i", user_id) != DB_OK)
		return 503;
	if (!r.nrows) {
		char *pub, *priv;
		if (apkey_generate(a, &pub, &priv))
			return 503;
		/* INSERT IGNORE: another request's key, stored first, stays */
		if (db_exec(db, a, NULL,
			    "INSERT IGNORE INTO ap_keys (user_id, public_pem, private_pem, "
			    "created_at) SELECT id, ?, ?, ? FROM users WHERE id = ?",
			    "ssii", pub, priv, now_unix(), user_id) != DB_OK ||
		    db_exec(db, a, &r,
			    "SELECT public_pem, private_pem FROM ap_keys WHERE user_id = ?", "i",
			    user_id) != DB_OK)
			return 503;
		if (!r.nrows)
			return 503; /* the account went meanwhile */
	}
	*pem = db_str(&r, 0, 0);
	if (private_pem)
		*private_pem = db_str(&r, 0, 1);
	return 0;
}

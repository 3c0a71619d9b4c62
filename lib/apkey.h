/* apkey.h - each person's RSA key pair for ActivityPub's HTTP Signatures:
 * made with OpenSSL's libcrypto on first need, kept in ap_keys
 * (sql/021_activitypub.sql). The private key never leaves the database and
 * this module's callers that sign (never logged, never served). */
#ifndef IMAGIER_APKEY_H
#define IMAGIER_APKEY_H

#include <stdint.h>

#include "arena.h"

struct db;

#define APKEY_BITS 2048

/* A new RSA-APKEY_BITS key pair as PEM text: the public key
 * (SubjectPublicKeyInfo, "-----BEGIN PUBLIC KEY-----") and the private key
 * (PKCS#8), both arena strings. 0, or -1 (libcrypto failed; logged). */
int apkey_generate(struct arena *a, char **public_pem, char **private_pem);

/* user_id's public key PEM, made and stored first when they have none yet
 * (two requests making one at once: the first stored wins, both answer it).
 * 0 with *pem, or 503 (database or libcrypto). With private_pem not NULL,
 * the private key too (for signing deliveries). */
int apkey_get(struct db *db, struct arena *a, int64_t user_id, const char **pem,
	      const char **private_pem);

#endif

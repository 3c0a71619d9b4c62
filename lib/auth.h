/* auth.h - passwords (argon2id), session tokens, CSRF tokens, name rules. */
#ifndef IMAGIER_AUTH_H
#define IMAGIER_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define AUTH_TOKEN_LEN	43 /* 32 random bytes, base64url without padding */
#define AUTH_HASH_LEN	32
#define AUTH_PWHASH_LEN 128

/* Call once per process before anything else here. Returns 0 or -1. */
int auth_init(void);

/* argon2id (libsodium crypto_pwhash_str) with OWASP's parameters
 * (m = 19 MiB, t = 2, p = 1). out gets a NUL-terminated encoded hash.
 * Returns 0, -1 on failure (out of memory). */
int auth_password_hash(const char *password, char out[AUTH_PWHASH_LEN]);
/* 1 if password matches the stored hash, else 0 (constant time). */
int auth_password_verify(const char *stored, const char *password);
/* A fixed dummy hash to verify against when a user does not exist, so the
 * time taken does not tell whether a name is registered. */
const char *auth_dummy_hash(void);

/* 32 random bytes as base64url (43 chars + NUL). */
void auth_token_new(char out[AUTH_TOKEN_LEN + 1]);
/* BLAKE2b-256 of the token text: what the database stores. */
void auth_token_hash(const char *token, unsigned char out[AUTH_HASH_LEN]);
/* Constant-time comparison of two NUL-terminated strings. 1 if equal. */
int auth_str_equal(const char *a, const char *b);
/* Keyed MAC (BLAKE2b, key = site secret) of msg, as base64url into out.
 * Used for the anonymous double-submit CSRF token. */
void auth_mac(const char *secret, const char *msg, char out[AUTH_TOKEN_LEN + 1]);

/* Username rule: 3-30 chars, ASCII letters, digits, '_', starting with a
 * letter, not a reserved word. Returns NULL if fine, else the reason. */
const char *auth_username_problem(const char *name);
/* Password rule: 10-128 bytes, valid UTF-8, not the username, not a common
 * password, at least 5 distinct characters. NULL if fine, else the reason. */
const char *auth_password_problem(const char *password, const char *username);

#endif

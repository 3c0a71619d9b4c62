/* auth.c - passwords (argon2id), session tokens, CSRF tokens, name rules. */
#include "auth.h"
#include "http.h"
#include "util.h"

#include <ctype.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>

#define PW_OPSLIMIT 2
#define PW_MEMLIMIT (19u * 1024 * 1024)

static char dummy_hash[AUTH_PWHASH_LEN];

int auth_init(void)
{
	if (sodium_init() < 0)
		return -1;
	if (!dummy_hash[0] && auth_password_hash("imagier-dummy-password", dummy_hash))
		return -1;
	return 0;
}

int auth_password_hash(const char *password, char out[AUTH_PWHASH_LEN])
{
	return crypto_pwhash_str_alg(out, password, strlen(password), PW_OPSLIMIT, PW_MEMLIMIT,
				     crypto_pwhash_ALG_ARGON2ID13) == 0
		   ? 0
		   : -1;
}

int auth_password_verify(const char *stored, const char *password)
{
	return crypto_pwhash_str_verify(stored, password, strlen(password)) == 0;
}

const char *auth_dummy_hash(void)
{
	return dummy_hash;
}

void auth_token_new(char out[AUTH_TOKEN_LEN + 1])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, AUTH_TOKEN_LEN + 1, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void auth_token_hash(const char *token, unsigned char out[AUTH_HASH_LEN])
{
	crypto_generichash(out, AUTH_HASH_LEN, (const unsigned char *)token, strlen(token), NULL,
			   0);
}

int auth_str_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return 0;
	return sodium_memcmp(a, b, la) == 0;
}

void auth_mac(const char *secret, const char *msg, char out[AUTH_TOKEN_LEN + 1])
{
	unsigned char key[crypto_generichash_KEYBYTES], mac[32];
	crypto_generichash(key, sizeof(key), (const unsigned char *)secret, strlen(secret), NULL,
			   0);
	crypto_generichash(mac, sizeof(mac), (const unsigned char *)msg, strlen(msg), key,
			   sizeof(key));
	sodium_bin2base64(out, AUTH_TOKEN_LEN + 1, mac, sizeof(mac),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static const char *const reserved[] = {
    "admin",	 "administrator", "root",   "api",     "static",   "media",
    "login",	 "logout",	  "signup", "upload",  "settings", "imagier",
    "moderator", "support",	  "system", "healthz", "null",
};

const char *auth_username_problem(const char *name)
{
	size_t n = strlen(name);
	if (n < 3)
		return "Usernames need at least 3 characters.";
	if (n > 30)
		return "Usernames can have at most 30 characters.";
	if (!isalpha((unsigned char)name[0]))
		return "Usernames start with a letter.";
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return "Usernames use only letters, digits and _.";
	for (size_t i = 0; i < ARRAY_LEN(reserved); i++)
		if (!strcasecmp(name, reserved[i]))
			return "That username is reserved.";
	return NULL;
}

static const char *const common_pw[] = {
    "password123", "1234567890", "qwertyuiop", "password1234",	"iloveyou123",
    "0123456789",  "1q2w3e4r5t", "qwerty1234", "abcdefghij",	"letmein123",
    "passw0rd123", "1111111111", "welcome123", "administrator",
};

const char *auth_password_problem(const char *password, const char *username)
{
	size_t n = strlen(password);
	if (n < 10)
		return "Passwords need at least 10 characters.";
	if (n > 128)
		return "Passwords can have at most 128 characters.";
	if (!utf8_valid(password, n))
		return "The password is not valid UTF-8.";
	if (username && !strcasecmp(password, username))
		return "The password must not be the username.";
	for (size_t i = 0; i < ARRAY_LEN(common_pw); i++)
		if (!strcasecmp(password, common_pw[i]))
			return "That password is too common.";
	unsigned char seen[256] = {0};
	int distinct = 0;
	for (const unsigned char *p = (const unsigned char *)password; *p; p++)
		if (!seen[*p]++)
			distinct++;
	if (distinct < 5)
		return "The password needs at least 5 different characters.";
	return NULL;
}

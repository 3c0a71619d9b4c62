-- 021_activitypub.sql - ActivityPub (docs/FEDERATION.md): each person's RSA
-- key pair for HTTP Signatures, made on first need; and what was deleted, so
-- the actor and object URLs of an erased account answer 410 Gone with a
-- Tombstone (and the delivery queue of the next step can send Delete).
--
-- The private key is PEM text (PKCS#8), readable only by the app's database
-- user like every other row; it is never logged nor served.
CREATE TABLE ap_keys (
  user_id     BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  public_pem  TEXT NOT NULL,
  private_pem TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  CONSTRAINT fk_ap_keys_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=ascii;

-- What an erased account leaves (written by lib/erase.c in its transaction):
-- not its name nor its posts' ids, which nothing may keep (docs
-- ARCHITECTURE "Deleting an account"), but SHA-256 of "actor:<name in lower
-- case>" and of "object:<post id>", enough for the URL that named them to
-- answer 410. (Sign-up refuses a name with an actor tombstone: lib/account.c.)
-- Before that rule, a name signed up again was a new actor: the users row
-- wins over its tombstone.
CREATE TABLE ap_tombstones (
  ref        BINARY(32) NOT NULL PRIMARY KEY,
  kind       ENUM('actor','object') NOT NULL,
  deleted_at BIGINT NOT NULL
) ENGINE=InnoDB;

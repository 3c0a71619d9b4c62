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

-- kind 'actor': name is the user name; kind 'object': the post id. Written
-- by the account erasure (lib/erase.c) in its transaction. A name signed up
-- again later is a new actor: the users row wins over its tombstone.
CREATE TABLE ap_tombstones (
  kind       ENUM('actor','object') NOT NULL,
  name       VARCHAR(64) NOT NULL,
  deleted_at BIGINT NOT NULL,
  PRIMARY KEY (kind, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- 014_idempotency.sql - Idempotency-Key: a creating request's key, stored in
-- the transaction that creates (so a worker killed after the commit cannot
-- separate them), then its answer. A retry with the same key is answered with
-- the first answer; keys live 24 hours (lib/idem.h).
CREATE TABLE idempotency_keys (
  user_id     BIGINT UNSIGNED NOT NULL,
  idem_key    VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  route       VARCHAR(100) NOT NULL,
  req_hash    CHAR(64) CHARACTER SET ascii NOT NULL,
  resource_id BIGINT UNSIGNED NOT NULL,
  location    VARCHAR(255) NOT NULL,
  status      SMALLINT NOT NULL DEFAULT 0,
  body        MEDIUMTEXT NULL,
  created_at  BIGINT NOT NULL,
  PRIMARY KEY (user_id, idem_key),
  KEY ix_idempotency_created (created_at),
  CONSTRAINT fk_idempotency_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

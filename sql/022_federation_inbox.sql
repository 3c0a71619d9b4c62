-- 022_federation_inbox.sql - the write side of ActivityPub
-- (docs/FEDERATION.md "The inbox" and "The delivery queue"): the remote
-- actors whose keys signed what reached an inbox, the activities taken in
-- (processed by imagier-gen, off the request path), remote followers, the
-- durable delivery queue and its per-host circuit breaker.

-- A remote actor, as its document said when fetched (fetched_at): the key
-- that verifies its signatures and where to deliver to it.
CREATE TABLE ap_actors (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  uri          VARCHAR(512) NOT NULL,
  key_id       VARCHAR(512) NOT NULL,
  inbox        VARCHAR(512) NOT NULL,
  shared_inbox VARCHAR(512) NULL,
  username     VARCHAR(255) NOT NULL DEFAULT '',
  domain       VARCHAR(255) NOT NULL DEFAULT '',
  public_pem   TEXT NOT NULL,
  fetched_at   BIGINT NOT NULL,
  UNIQUE KEY uq_ap_actors_uri (uri),
  KEY ix_ap_actors_key (key_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every verified activity an inbox took (answered 202), once per activity
-- id (ref: SHA-256 of it, NULL when it had none). user_id: the person whose
-- inbox it came to, NULL for the shared inbox. state: new until imagier-gen
-- handled it (done), or left it (ignored: a type not acted on yet).
CREATE TABLE ap_inbox (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  ref         BINARY(32) NULL,
  actor_id    BIGINT UNSIGNED NOT NULL,
  user_id     BIGINT UNSIGNED NULL,
  type        VARCHAR(64) NOT NULL,
  body        MEDIUMTEXT NOT NULL,
  state       ENUM('new','done','ignored') NOT NULL DEFAULT 'new',
  received_at BIGINT NOT NULL,
  done_at     BIGINT NULL,
  UNIQUE KEY uq_ap_inbox_ref (ref),
  KEY ix_ap_inbox_state (state, id),
  CONSTRAINT fk_ap_inbox_actor FOREIGN KEY (actor_id) REFERENCES ap_actors (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Remote followers of local people, beside follows (local ones).
CREATE TABLE ap_followers (
  user_id    BIGINT UNSIGNED NOT NULL,
  actor_id   BIGINT UNSIGNED NOT NULL,
  follow_id  VARCHAR(512) NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, actor_id),
  KEY ix_ap_followers_actor (actor_id),
  CONSTRAINT fk_ap_followers_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT fk_ap_followers_actor FOREIGN KEY (actor_id) REFERENCES ap_actors (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The delivery queue: one row per activity and target inbox, signed with
-- user_id's key when sent. attempts and next_at follow the backoff,
-- claim/claimed_until lease a row to one imagier-gen while it sends. A row
-- leaves when delivered or dropped (logged).
CREATE TABLE ap_deliveries (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id       BIGINT UNSIGNED NOT NULL,
  inbox         VARCHAR(512) NOT NULL,
  host          VARCHAR(255) NOT NULL,
  activity      MEDIUMTEXT NOT NULL,
  attempts      INT NOT NULL DEFAULT 0,
  next_at       BIGINT NOT NULL,
  created_at    BIGINT NOT NULL,
  last_error    VARCHAR(255) NULL,
  claim         CHAR(32) NULL,
  claimed_until BIGINT NOT NULL DEFAULT 0,
  KEY ix_ap_deliveries_due (next_at),
  KEY ix_ap_deliveries_host (host),
  CONSTRAINT fk_ap_deliveries_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The per-host circuit breaker: consecutive failed deliveries, and until
-- when the host's rows wait (0: closed).
CREATE TABLE ap_hosts (
  host       VARCHAR(255) NOT NULL PRIMARY KEY,
  failures   INT NOT NULL DEFAULT 0,
  open_until BIGINT NOT NULL DEFAULT 0,
  last_error VARCHAR(255) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

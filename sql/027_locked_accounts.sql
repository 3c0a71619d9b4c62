-- 027_locked_accounts.sql - locked accounts: a person who locks their
-- account approves each new follower (docs/ARCHITECTURE.md "Locked
-- accounts"). A follow of a locked person is a request until then: from a
-- person here (requester_user_id) or from a remote actor (actor_id, with
-- the id of their Follow activity, answered by our Accept or Reject).
ALTER TABLE users
  ADD COLUMN locked TINYINT(1) NOT NULL DEFAULT 0;

CREATE TABLE follow_requests (
  id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id           BIGINT UNSIGNED NOT NULL,
  requester_user_id BIGINT UNSIGNED NULL,
  actor_id          BIGINT UNSIGNED NULL,
  follow_uri        VARCHAR(512) NOT NULL DEFAULT '',
  created_at        BIGINT NOT NULL,
  UNIQUE KEY uq_follow_requests_local (user_id, requester_user_id),
  UNIQUE KEY uq_follow_requests_remote (user_id, actor_id),
  KEY ix_follow_requests_user (user_id, id),
  KEY ix_follow_requests_actor (actor_id),
  CONSTRAINT ck_follow_requests_one CHECK ((requester_user_id IS NULL) <> (actor_id IS NULL)),
  CONSTRAINT fk_follow_requests_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT fk_follow_requests_requester FOREIGN KEY (requester_user_id) REFERENCES users (id)
    ON DELETE CASCADE,
  CONSTRAINT fk_follow_requests_actor FOREIGN KEY (actor_id) REFERENCES ap_actors (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE notifications
  MODIFY kind ENUM('like','comment','follow','remix','moderation','appeal','reply',
                   'follow_request') NOT NULL;

-- 008_moderation.sql - what moderators decide and what it does: the state of
-- posts and comments, suspensions and bans, the append-only audit log, and
-- appeals. Reports may now come from the automatic filters (reporter NULL).

-- visible: everyone sees it. held: the classifier held it back until a
-- moderator looks. hidden: a moderator hid it (reversible). removed: taken
-- down for cause. Only visible posts reach feeds, pages and the API of
-- others; the author (and moderators) still open the post to see why.
ALTER TABLE posts
  ADD COLUMN mod_state ENUM('visible','held','hidden','removed') NOT NULL DEFAULT 'visible',
  ADD COLUMN content_warning VARCHAR(40) NOT NULL DEFAULT '';

ALTER TABLE comments
  ADD COLUMN mod_state ENUM('visible','held','hidden','removed') NOT NULL DEFAULT 'visible';

-- suspended_until: may read but not act until then. banned_at: may not log in.
ALTER TABLE users
  ADD COLUMN suspended_until BIGINT NULL,
  ADD COLUMN banned_at BIGINT NULL,
  ADD COLUMN warnings INT UNSIGNED NOT NULL DEFAULT 0;

ALTER TABLE reports
  MODIFY reporter_id BIGINT UNSIGNED NULL,
  ADD COLUMN source ENUM('person','filter') NOT NULL DEFAULT 'person',
  ADD COLUMN resolution VARCHAR(16) NULL;

ALTER TABLE notifications
  MODIFY kind ENUM('like','comment','follow','remix','moderation','appeal') NOT NULL,
  ADD COLUMN action_id BIGINT UNSIGNED NULL;

-- Every moderator and admin action, and the filters' own. Append-only: the
-- triggers below refuse UPDATE and DELETE, whoever asks. Names are copied so
-- the record stays readable whatever happens to the accounts.
CREATE TABLE mod_actions (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  actor_id       BIGINT UNSIGNED NULL,          -- NULL: an automatic filter
  actor_name     VARCHAR(32) NOT NULL,
  action         VARCHAR(16) NOT NULL,
  target_type    ENUM('post','comment','user','appeal','filter') NOT NULL,
  target_id      BIGINT UNSIGNED NOT NULL,
  subject_id     BIGINT UNSIGNED NULL,          -- the person it is about
  subject_name   VARCHAR(32) NOT NULL DEFAULT '',
  reason         VARCHAR(1000) NOT NULL,
  detail         VARCHAR(200) NOT NULL DEFAULT '',
  until_at       BIGINT NULL,                   -- suspensions
  created_at     BIGINT NOT NULL,
  KEY ix_mod_actions_time (created_at, id),
  KEY ix_mod_actions_actor (actor_id, id),
  KEY ix_mod_actions_subject (subject_id, id),
  KEY ix_mod_actions_action (action, id),
  KEY ix_mod_actions_target (target_type, target_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TRIGGER mod_actions_append_only_u BEFORE UPDATE ON mod_actions FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'the audit log is append-only';
CREATE TRIGGER mod_actions_append_only_d BEFORE DELETE ON mod_actions FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'the audit log is append-only';

-- One appeal per action, by the person it was about.
CREATE TABLE appeals (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  action_id   BIGINT UNSIGNED NOT NULL,
  user_id     BIGINT UNSIGNED NOT NULL,
  note        VARCHAR(1000) NOT NULL,
  created_at  BIGINT NOT NULL,
  decided_at  BIGINT NULL,
  decision    ENUM('upheld','overturned') NULL,
  decided_by  BIGINT UNSIGNED NULL,
  UNIQUE KEY uq_appeals_once (action_id),
  KEY ix_appeals_open (decided_at, id),
  CONSTRAINT fk_appeals_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

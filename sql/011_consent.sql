-- 011_consent.sql - consent to training use: the person's choice (off by
-- default), a per-post override, and every change as an event; the dataset
-- exports and what each contained (so a later run can list withdrawals).

ALTER TABLE users
  ADD COLUMN training_consent TINYINT(1) NOT NULL DEFAULT 0;

ALTER TABLE posts
  ADD COLUMN training_consent ENUM('inherit','yes','no') NOT NULL DEFAULT 'inherit';

-- Every choice ever made, never updated: post_id NULL is the account-wide
-- choice ('yes'/'no'), otherwise a post's override ('inherit'/'yes'/'no').
CREATE TABLE consent_events (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id    BIGINT UNSIGNED NOT NULL,
  post_id    BIGINT UNSIGNED NULL,
  value      ENUM('yes','no','inherit') NOT NULL,
  created_at BIGINT NOT NULL,
  KEY ix_consent_user (user_id, post_id, id),
  KEY ix_consent_post (post_id, id),
  CONSTRAINT fk_consent_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- One row per run of `imagier export-dataset`.
CREATE TABLE dataset_exports (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  out_dir     VARCHAR(500) NOT NULL,
  since_at    BIGINT NULL,
  started_at  BIGINT NOT NULL,
  finished_at BIGINT NULL,
  items       INT UNSIGNED NOT NULL DEFAULT 0,
  withdrawn   INT UNSIGNED NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Which posts have left the site in a dataset, under which consent record.
-- Bare post ids (no foreign key): when a post or its author is deleted, the
-- id must survive so the next export can tell dataset holders to withdraw it.
CREATE TABLE dataset_items (
  post_id           BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  first_export_id   BIGINT UNSIGNED NOT NULL,
  consent_event_id  BIGINT UNSIGNED NOT NULL,
  exported_at       BIGINT NOT NULL,
  withdrawn_at      BIGINT NULL,
  withdrawn_export_id BIGINT UNSIGNED NULL,
  KEY ix_dataset_withdrawn (withdrawn_at)
) ENGINE=InnoDB;

-- Personal data exports (/settings/export), made in the background.
CREATE TABLE export_jobs (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id     BIGINT UNSIGNED NOT NULL,
  state       ENUM('queued','running','done','failed') NOT NULL DEFAULT 'queued',
  progress    INT UNSIGNED NOT NULL DEFAULT 0,      -- 0..100
  file        VARCHAR(200) NOT NULL DEFAULT '',     -- under var/exports, when done
  bytes       BIGINT UNSIGNED NOT NULL DEFAULT 0,
  error       VARCHAR(300) NOT NULL DEFAULT '',
  worker      VARCHAR(64) NULL,
  lease_until BIGINT NULL,
  attempts    INT UNSIGNED NOT NULL DEFAULT 0,
  created_at  BIGINT NOT NULL,
  finished_at BIGINT NULL,
  expires_at  BIGINT NULL,
  KEY ix_export_user (user_id, id),
  KEY ix_export_state (state, id),
  CONSTRAINT fk_export_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- 006_reports.sql - reports of posts, comments and people, for the
-- moderation queue (one report per person and target).
CREATE TABLE reports (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  reporter_id BIGINT UNSIGNED NOT NULL,
  target_type ENUM('post','comment','user') NOT NULL,
  target_id   BIGINT UNSIGNED NOT NULL,
  reason      ENUM('spam','sexual','violence','harassment','illegal','other') NOT NULL,
  note        VARCHAR(1000) NOT NULL DEFAULT '',
  created_at  BIGINT NOT NULL,
  resolved_at BIGINT NULL,
  UNIQUE KEY uq_reports_once (reporter_id, target_type, target_id),
  KEY ix_reports_open (resolved_at, target_type, target_id),
  CONSTRAINT fk_reports_reporter FOREIGN KEY (reporter_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

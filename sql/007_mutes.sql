-- 007_mutes.sql - people a person has muted: their posts leave that
-- person's feeds and their actions leave that person's notifications.
CREATE TABLE mutes (
  user_id    BIGINT UNSIGNED NOT NULL,
  target_id  BIGINT UNSIGNED NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, target_id),
  CONSTRAINT fk_mutes_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT fk_mutes_target FOREIGN KEY (target_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB;

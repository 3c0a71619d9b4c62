-- 010_personal_filters.sql - what each person filters out for themselves:
-- people they block (stronger than a mute, and both ways), words and tags
-- they mute, and how they see posts that carry a content warning.

-- A block: the target's posts, comments and actions leave the blocker's
-- feeds and notifications, the blocker's posts leave the target's feeds, and
-- neither can follow, like, comment on, remix or reply to the other.
CREATE TABLE blocks (
  user_id    BIGINT UNSIGNED NOT NULL,
  target_id  BIGINT UNSIGNED NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, target_id),
  KEY ix_blocks_target (target_id, user_id),
  CONSTRAINT fk_blocks_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT fk_blocks_target FOREIGN KEY (target_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- Muted words (matched as whole words after folding case and accents) and
-- tags (without '#'), stored lower-case. Binary collation: the application
-- decides what counts as the same term, the key only refuses exact repeats.
CREATE TABLE muted_terms (
  user_id BIGINT UNSIGNED NOT NULL,
  kind    ENUM('word','tag') NOT NULL,
  term    VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  PRIMARY KEY (user_id, kind, term),
  CONSTRAINT fk_muted_terms_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Posts with a content warning: blurred until clicked (default), shown as
-- any other post, or left out of feeds.
ALTER TABLE users
  ADD COLUMN cw_pref ENUM('blur','show','hide') NOT NULL DEFAULT 'blur';

-- 001_init.sql - accounts, sessions, images, posts, tags, rate limits.
-- Applied by `imagier migrate`, which records it in schema_migrations.

CREATE TABLE users (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username      VARCHAR(32) NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  role          ENUM('user','moderator','admin') NOT NULL DEFAULT 'user',
  created_at    BIGINT NOT NULL,
  UNIQUE KEY uq_users_username (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The token itself is never stored: only its BLAKE2b-256 hash.
CREATE TABLE sessions (
  token_hash BINARY(32) NOT NULL PRIMARY KEY,
  user_id    BIGINT UNSIGNED NOT NULL,
  csrf       CHAR(43) NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  KEY ix_sessions_user (user_id),
  KEY ix_sessions_expires (expires_at),
  CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=ascii;

-- One row per distinct upload (sha256 of the bytes as sent). variants is the
-- JSON list of derived files, so a feed page needs no join per size.
CREATE TABLE images (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  sha256     CHAR(64) NOT NULL,
  width      INT UNSIGNED NOT NULL,
  height     INT UNSIGNED NOT NULL,
  blurhash   VARCHAR(64) NOT NULL,
  avg_color  CHAR(7) NOT NULL,
  variants   TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE KEY uq_images_sha256 (sha256)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every file in the media store that a row points at: the orphan sweeper
-- (`imagier sweep-media`) removes files that are not listed here.
CREATE TABLE media_files (
  path       VARCHAR(100) NOT NULL PRIMARY KEY,
  image_id   BIGINT UNSIGNED NOT NULL,
  bytes      BIGINT UNSIGNED NOT NULL,
  created_at BIGINT NOT NULL,
  KEY ix_media_files_image (image_id),
  CONSTRAINT fk_media_image FOREIGN KEY (image_id) REFERENCES images (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=ascii;

CREATE TABLE posts (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id    BIGINT UNSIGNED NOT NULL,
  image_id   BIGINT UNSIGNED NOT NULL,
  prompt     TEXT NOT NULL,
  caption    TEXT NOT NULL,
  tags       VARCHAR(400) NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  KEY ix_posts_user (user_id, id),
  CONSTRAINT fk_posts_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT fk_posts_image FOREIGN KEY (image_id) REFERENCES images (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tags (
  id   BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(40) NOT NULL,
  UNIQUE KEY uq_tags_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- (tag_id, post_id) so a tag page is a keyset range scan.
CREATE TABLE post_tags (
  tag_id  BIGINT UNSIGNED NOT NULL,
  post_id BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (tag_id, post_id),
  KEY ix_post_tags_post (post_id),
  CONSTRAINT fk_pt_tag FOREIGN KEY (tag_id) REFERENCES tags (id),
  CONSTRAINT fk_pt_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- Fixed-window counters (login failures); old windows are swept.
CREATE TABLE rate_limits (
  k      VARCHAR(120) NOT NULL,
  win    BIGINT NOT NULL,
  n      INT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (k, win)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- 003_social.sql - likes, comments, follows (people and tags), notifications,
-- impressions and "show less" feedback; counters on posts and users; search.

CREATE TABLE likes (
  post_id    BIGINT UNSIGNED NOT NULL,
  user_id    BIGINT UNSIGNED NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (post_id, user_id),
  KEY ix_likes_user (user_id, created_at),
  CONSTRAINT fk_likes_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE,
  CONSTRAINT fk_likes_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- Replies are one level deep: parent_id points at a top-level comment.
CREATE TABLE comments (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  post_id    BIGINT UNSIGNED NOT NULL,
  user_id    BIGINT UNSIGNED NOT NULL,
  parent_id  BIGINT UNSIGNED NULL,
  text       TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  deleted    TINYINT(1) NOT NULL DEFAULT 0,
  KEY ix_comments_post (post_id, id),
  KEY ix_comments_parent (parent_id, id),
  KEY ix_comments_user (user_id, id),
  CONSTRAINT fk_comments_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE,
  CONSTRAINT fk_comments_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE follows (
  follower_id BIGINT UNSIGNED NOT NULL,
  followee_id BIGINT UNSIGNED NOT NULL,
  created_at  BIGINT NOT NULL,
  PRIMARY KEY (follower_id, followee_id),
  KEY ix_follows_followee (followee_id, follower_id),
  CONSTRAINT fk_follows_follower FOREIGN KEY (follower_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT fk_follows_followee FOREIGN KEY (followee_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE tag_follows (
  user_id    BIGINT UNSIGNED NOT NULL,
  tag_id     BIGINT UNSIGNED NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, tag_id),
  KEY ix_tag_follows_tag (tag_id),
  CONSTRAINT fk_tf_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT fk_tf_tag FOREIGN KEY (tag_id) REFERENCES tags (id)
) ENGINE=InnoDB;

CREATE TABLE notifications (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id    BIGINT UNSIGNED NOT NULL,          -- who is told
  actor_id   BIGINT UNSIGNED NOT NULL,          -- who did it
  kind       ENUM('like','comment','follow','remix') NOT NULL,
  post_id    BIGINT UNSIGNED NULL,
  comment_id BIGINT UNSIGNED NULL,
  created_at BIGINT NOT NULL,
  read_at    BIGINT NULL,
  KEY ix_notifications_user (user_id, id),
  KEY ix_notifications_unread (user_id, read_at),
  CONSTRAINT fk_notif_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- Which feed items a person was shown (for "never show again soon").
CREATE TABLE impressions (
  user_id  BIGINT UNSIGNED NOT NULL,
  post_id  BIGINT UNSIGNED NOT NULL,
  shown_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, post_id),
  KEY ix_impressions_recent (user_id, shown_at)
) ENGINE=InnoDB;

-- "Show less like this": a weight per author or tag, per person.
CREATE TABLE feed_feedback (
  user_id    BIGINT UNSIGNED NOT NULL,
  kind       ENUM('author','tag') NOT NULL,
  target_id  BIGINT UNSIGNED NOT NULL,
  weight     DOUBLE NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, kind, target_id)
) ENGINE=InnoDB;

ALTER TABLE posts
  ADD COLUMN like_count INT UNSIGNED NOT NULL DEFAULT 0 AFTER remix_count,
  ADD COLUMN comment_count INT UNSIGNED NOT NULL DEFAULT 0 AFTER like_count,
  ADD KEY ix_posts_created (created_at, id),
  ADD KEY ix_posts_likes (like_count, id),
  ADD FULLTEXT KEY ft_posts (prompt, caption, tags);

ALTER TABLE users
  ADD COLUMN bio VARCHAR(400) NOT NULL DEFAULT '' AFTER role,
  ADD COLUMN avatar_image_id BIGINT UNSIGNED NULL AFTER bio,
  ADD COLUMN post_count INT UNSIGNED NOT NULL DEFAULT 0 AFTER avatar_image_id,
  ADD COLUMN follower_count INT UNSIGNED NOT NULL DEFAULT 0 AFTER post_count,
  ADD COLUMN following_count INT UNSIGNED NOT NULL DEFAULT 0 AFTER follower_count;

ALTER TABLE tags
  ADD COLUMN post_count INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN follower_count INT UNSIGNED NOT NULL DEFAULT 0;

-- Post counts of what exists so far.
UPDATE users u SET post_count = (SELECT COUNT(*) FROM posts p WHERE p.user_id = u.id);
UPDATE tags t SET post_count = (SELECT COUNT(*) FROM post_tags pt WHERE pt.tag_id = t.id);

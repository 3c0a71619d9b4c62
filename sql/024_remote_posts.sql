-- 024_remote_posts.sql - what a remote post's page says about where it
-- came from (docs/FEDERATION.md "Remote posts"): the original's address,
-- and whether its server labelled the picture as made by AI (the
-- attachment's digitalSourceType trainedAlgorithmicMedia, or an
-- imagier:prompt). The post itself is a posts row with remote = 1.
CREATE TABLE ap_remote_posts (
  post_id     BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  url         VARCHAR(512) NOT NULL,
  ai_labelled TINYINT(1) NOT NULL DEFAULT 0,
  CONSTRAINT fk_ap_remote_posts_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

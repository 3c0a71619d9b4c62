-- 002_generation.sql - generation jobs (a table used as a queue) and remix lineage.

CREATE TABLE generations (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id         BIGINT UNSIGNED NOT NULL,
  status          ENUM('queued','running','succeeded','failed','cancelled') NOT NULL DEFAULT 'queued',
  backend         VARCHAR(16) NOT NULL,
  model           VARCHAR(128) NOT NULL DEFAULT '',
  prompt          TEXT NOT NULL,
  negative_prompt TEXT NOT NULL,
  style           VARCHAR(64) NOT NULL DEFAULT '',
  seed            BIGINT UNSIGNED NOT NULL,
  width           INT UNSIGNED NOT NULL,
  height          INT UNSIGNED NOT NULL,
  parent_id       BIGINT UNSIGNED NULL,        -- the post being remixed
  attempts        INT UNSIGNED NOT NULL DEFAULT 0,
  run_after       BIGINT NOT NULL,             -- backoff: not before this time
  worker          VARCHAR(64) NULL,            -- who holds it while running
  lease_until     BIGINT NULL,                 -- running past this: back to the queue
  error           VARCHAR(300) NULL,
  image_id        BIGINT UNSIGNED NULL,
  post_id         BIGINT UNSIGNED NULL,        -- once published
  created_at      BIGINT NOT NULL,
  started_at      BIGINT NULL,
  finished_at     BIGINT NULL,
  KEY ix_gen_queue (status, run_after, id),
  KEY ix_gen_user (user_id, created_at),
  KEY ix_gen_worker (worker, status),
  CONSTRAINT fk_gen_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT fk_gen_image FOREIGN KEY (image_id) REFERENCES images (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Lineage: a remix points at its parent; root_id and depth make a family
-- one index range (root_id, depth) and a subtree a walk over (parent_id).
ALTER TABLE posts
  ADD COLUMN generation_id BIGINT UNSIGNED NULL AFTER image_id,
  ADD COLUMN parent_id BIGINT UNSIGNED NULL AFTER generation_id,
  ADD COLUMN root_id BIGINT UNSIGNED NULL AFTER parent_id,
  ADD COLUMN depth INT UNSIGNED NOT NULL DEFAULT 0 AFTER root_id,
  ADD COLUMN remix_count INT UNSIGNED NOT NULL DEFAULT 0 AFTER depth,
  ADD KEY ix_posts_parent (parent_id, id),
  ADD KEY ix_posts_root (root_id, depth, id),
  ADD UNIQUE KEY uq_posts_generation (generation_id);

-- 018_timelines.sql - the following feed precomputed on write. A new post's
-- ids go to the stored timelines of the people who follow its author or
-- one of its tags (fan-out on write), so reading the feed is one keyed
-- range read instead of a search through every followed account's posts.
-- Only people seen recently keep a timeline (a row in timeline_state);
-- anyone else gets one built from the live query on their next read.

-- One row per kept post of a timeline; reason is the feed's "because you
-- follow @x" / "#tag" after a sort digit (1 people, 2 tags: the smaller
-- reason wins when a post arrives twice).
CREATE TABLE timelines (
  user_id BIGINT UNSIGNED NOT NULL,
  post_id BIGINT UNSIGNED NOT NULL,
  reason  VARCHAR(160) NOT NULL,
  PRIMARY KEY (user_id, post_id),
  -- a post's copies, for erasing an account (appended at the right edge:
  -- one fan-out writes one post id, newer than every one before)
  KEY ix_timelines_post (post_id),
  CONSTRAINT fk_timelines_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Whose timeline is kept. ready = 0: (re)build pending, the next read builds
-- it. The timeline holds every post of the feed with id >= floor_id (older
-- pages come from the live query; trimming to the cap raises it). seen_at
-- (the last read, to the hour) ends the upkeep after a quiet spell.
CREATE TABLE timeline_state (
  user_id  BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  ready    TINYINT NOT NULL DEFAULT 0,
  floor_id BIGINT UNSIGNED NOT NULL DEFAULT 0,
  seen_at  BIGINT NOT NULL,
  KEY ix_timeline_state_seen (seen_at),
  CONSTRAINT fk_timeline_state_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- Fan-outs to do, written in the transaction of the post, drained by
-- imagier-gen in bounded batches. stage 0: the author's followers, stage k:
-- the followers of the post's k-th tag (by tag id); cursor_id: the last
-- follower done in this stage; batches: how many statements it took so far.
-- worker and lease_until: who has it until when (an expired lease is taken
-- over).
CREATE TABLE fanout_jobs (
  post_id     BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  stage       INT NOT NULL DEFAULT 0,
  cursor_id   BIGINT UNSIGNED NOT NULL DEFAULT 0,
  worker      VARCHAR(64) NULL,
  lease_until BIGINT NOT NULL DEFAULT 0,
  batches     INT NOT NULL DEFAULT 0,
  attempts    INT NOT NULL DEFAULT 0,
  created_at  BIGINT NOT NULL,
  CONSTRAINT fk_fanout_jobs_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE
) ENGINE=InnoDB;

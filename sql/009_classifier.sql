-- 009_classifier.sql - the learning text classifier (naive Bayes over
-- prompts, captions and comments, trained from moderators' decisions) and the
-- perceptual image hashes: the blocklist of removed pictures and the links
-- between near-duplicate posts. See cgi/classify.c.

-- The model: per token, how many removed (bad) and dismissed (good) documents
-- contained it. Tokens are lower-case ASCII words and "a_b" bigrams.
CREATE TABLE classifier_tokens (
  token VARCHAR(61) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  bad   INT UNSIGNED NOT NULL DEFAULT 0,
  good  INT UNSIGNED NOT NULL DEFAULT 0
) ENGINE=InnoDB;

-- The document totals: one row.
CREATE TABLE classifier_totals (
  id        TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  bad_docs  INT UNSIGNED NOT NULL DEFAULT 0,
  good_docs INT UNSIGNED NOT NULL DEFAULT 0
) ENGINE=InnoDB;
INSERT INTO classifier_totals (id, bad_docs, good_docs) VALUES (1, 0, 0);

-- Every decision the classifier was told about, with the text as it was then.
-- heldout = 1: kept back to measure precision and recall (never trained);
-- else trained with is_bad (so a reversed decision can be untrained).
CREATE TABLE classifier_decisions (
  target_type ENUM('post','comment') NOT NULL,
  target_id   BIGINT UNSIGNED NOT NULL,
  is_bad      TINYINT(1) NOT NULL,
  heldout     TINYINT(1) NOT NULL,
  text        TEXT NOT NULL,
  decided_at  BIGINT NOT NULL,
  PRIMARY KEY (target_type, target_id),
  KEY ix_classifier_decisions_heldout (heldout, decided_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The score of new content when it was submitted, and what the filter did:
-- none, flag (queued) or hold (held back and queued). words: the tokens that
-- weighed most, [{"token","weight"}...] as JSON text.
CREATE TABLE classifier_scores (
  target_type ENUM('post','comment') NOT NULL,
  target_id   BIGINT UNSIGNED NOT NULL,
  score       DOUBLE NOT NULL,
  action      ENUM('none','flag','hold') NOT NULL,
  words       TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  PRIMARY KEY (target_type, target_id),
  KEY ix_classifier_scores_action (action, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The 64-bit dHash of the decoded picture (NULL: stored before this
-- migration). Instant: a nullable column at the end, no rebuild of 1M rows.
ALTER TABLE images ADD COLUMN phash BIGINT UNSIGNED NULL, ALGORITHM=INSTANT;

-- Pictures removed for cause: an upload or generation within
-- [moderation] block_distance bits of one is refused. Small (removals only),
-- so the check is a scan with BIT_COUNT.
CREATE TABLE blocked_hashes (
  hash       BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  action_id  BIGINT UNSIGNED NULL,
  post_id    BIGINT UNSIGNED NULL,
  created_at BIGINT NOT NULL
) ENGINE=InnoDB;

-- Multi-index hashing of posts' pictures for the near-duplicate search: the
-- 64 bits cut into 4 bands of 16 (band 0 = the high bits); every post has one
-- row per band. Two hashes within d bits agree within d/4 bits on at least
-- one band (pigeonhole), so the candidates are the rows whose band is within
-- that radius of the new hash's: a few dozen point lookups on this primary
-- key, not a scan of images. phash is repeated here so the check is covered.
CREATE TABLE post_phash_bands (
  band    TINYINT UNSIGNED NOT NULL,
  bits    SMALLINT UNSIGNED NOT NULL,
  post_id BIGINT UNSIGNED NOT NULL,
  phash   BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (band, bits, post_id),
  KEY ix_post_phash_bands_post (post_id),
  CONSTRAINT fk_ppb_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- Posts whose pictures are within [moderation] near_distance bits: both
-- directions are stored, so a post's list is one range.
CREATE TABLE near_duplicates (
  post_id       BIGINT UNSIGNED NOT NULL,
  other_post_id BIGINT UNSIGNED NOT NULL,
  distance      TINYINT UNSIGNED NOT NULL,
  PRIMARY KEY (post_id, other_post_id),
  KEY ix_near_duplicates_other (other_post_id),
  CONSTRAINT fk_nd_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE,
  CONSTRAINT fk_nd_other FOREIGN KEY (other_post_id) REFERENCES posts (id) ON DELETE CASCADE
) ENGINE=InnoDB;

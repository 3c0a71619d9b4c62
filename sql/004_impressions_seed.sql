-- 004_impressions_seed.sql - which "for you" visit (its seed) showed a post,
-- so a visit's later pages never repeat its earlier ones, while a new visit
-- may fall back to older posts when everything fresh was seen.
ALTER TABLE impressions ADD COLUMN seed BIGINT UNSIGNED NOT NULL DEFAULT 0;

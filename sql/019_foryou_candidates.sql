-- 019_foryou_candidates.sql - the "for you" candidates gathered ahead of
-- time (docs/RANKING.md section 7): one row per person, written by
-- imagier-gen's refresh job (or once on demand), read by one key lookup per
-- page; and one row of what is the same for everybody (rising posts and the
-- pool the exploration picks are drawn from).
--
-- Times are unix milliseconds (built_at, dirty_at, queued_at) so that a
-- change made in the same second as a build is still seen as newer;
-- lease_until is unix seconds.
CREATE TABLE foryou_candidates (
  user_id     BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  built_at    BIGINT NOT NULL,            -- when the gathering began
  dirty_at    BIGINT NOT NULL DEFAULT 0,  -- a follow changed: rebuild before use
  queued_at   BIGINT NOT NULL DEFAULT 0,  -- due for the job (0: not queued)
  lease_owner VARCHAR(64) NOT NULL DEFAULT '',
  lease_until BIGINT NOT NULL DEFAULT 0,  -- a job holds it until then
  data        MEDIUMBLOB NOT NULL,        -- candidates + affinities (lib/foryou_pre.c)
  KEY ix_fyc_queued (queued_at),
  CONSTRAINT fk_fyc_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE foryou_global (
  id       TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  built_at BIGINT NOT NULL,   -- unix seconds; also the claim of the job computing it
  data     MEDIUMBLOB NOT NULL
) ENGINE=InnoDB;

INSERT INTO foryou_global (id, built_at, data) VALUES (1, 0, '');

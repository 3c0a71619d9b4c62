-- 025_fed_moderation.sql - moderating federation (docs/FEDERATION.md
-- "Moderation"): defederating a host is an audited decision, its people's
-- content is hidden while it lasts and comes back when it ends, and an
-- erased account's Delete of its actor outlives its users row.

-- A block or unblock of a host is in the audit log: target_type 'domain',
-- the host in detail. Remote names ("name@host") are longer than local ones.
ALTER TABLE mod_actions
  MODIFY target_type ENUM('post','comment','user','appeal','filter','domain') NOT NULL,
  MODIFY subject_name VARCHAR(320) NOT NULL DEFAULT '';

-- What a block hid, so that an unblock restores exactly that and nothing a
-- moderator hid on their own: posts and comments (set hidden, restored to
-- visible while still hidden), likes (taken out of likes and the count,
-- put back). kind/local_id: the post or comment; for a like, local_id is
-- the post and user_id the liker.
CREATE TABLE ap_domain_hidden (
  domain     VARCHAR(255) NOT NULL,
  kind       ENUM('post','comment','like') NOT NULL,
  local_id   BIGINT UNSIGNED NOT NULL,
  user_id    BIGINT UNSIGNED NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (domain, kind, local_id, user_id),
  KEY ix_ap_domain_hidden_user (user_id),
  CONSTRAINT fk_ap_domain_hidden_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A delivery outlives its author's users row: an erased person's Delete of
-- their actor is signed with the key kept on the row (key_id, private_pem)
-- after the account is gone. user_id is NULL for those rows.
ALTER TABLE ap_deliveries DROP FOREIGN KEY fk_ap_deliveries_user;
ALTER TABLE ap_deliveries
  MODIFY user_id BIGINT UNSIGNED NULL,
  ADD COLUMN key_id VARCHAR(512) NULL,
  ADD COLUMN private_pem TEXT NULL,
  ADD CONSTRAINT fk_ap_deliveries_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;

-- The inbox's sweep (done and ignored rows after 30 days) reads by age.
ALTER TABLE ap_inbox ADD KEY ix_ap_inbox_done (state, received_at);

-- 023_remote_accounts.sql - people of other servers as accounts here
-- (docs/FEDERATION.md "Remote people", ARCHITECTURE "Federation"): a remote
-- actor who likes, comments, posts to people who follow them, or is
-- followed from here has a users row, as Mastodon keeps one accounts table
-- with a domain. username is "name@host" (a local name can never hold an
-- "@"), domain is the host ('' for local people), password_hash is ''
-- (they never log in here). So comments, likes, follows, blocks, reports,
-- moderation and the following feed work for them as for anyone.

ALTER TABLE users
  MODIFY username VARCHAR(320) NOT NULL,
  ADD COLUMN domain VARCHAR(255) NOT NULL DEFAULT '' AFTER username,
  ADD KEY ix_users_domain (domain, id);

-- The actor's profile as its document said, and its users row (made on
-- first need: NULL until then).
ALTER TABLE ap_actors
  ADD COLUMN user_id   BIGINT UNSIGNED NULL,
  ADD COLUMN name      VARCHAR(255) NOT NULL DEFAULT '',
  ADD COLUMN summary   TEXT NULL,
  ADD COLUMN url       VARCHAR(512) NULL,
  ADD COLUMN icon_url  VARCHAR(512) NULL,
  ADD COLUMN outbox    VARCHAR(512) NULL,
  ADD COLUMN followers VARCHAR(512) NULL,
  ADD UNIQUE KEY uq_ap_actors_user (user_id),
  ADD KEY ix_ap_actors_domain (domain),
  ADD CONSTRAINT fk_ap_actors_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL;

-- A remote post is a posts row of a remote person, shown only where its
-- author is followed (the following feed), on their profile and its own
-- page: never in latest, for-you, tags, search or the dataset.
ALTER TABLE posts
  ADD COLUMN remote TINYINT(1) NOT NULL DEFAULT 0;

-- Remote objects taken in, and the local row each became: a post (Create
-- of a Note by someone followed here), a comment (a reply to a local post
-- or comment), a like (local_id: the post; by: the liker), an Announce.
-- Delete, Update and Undo find their row here by the object's id.
CREATE TABLE ap_objects (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  uri        VARCHAR(512) NOT NULL,
  actor_id   BIGINT UNSIGNED NOT NULL,
  kind       ENUM('post','comment','like','announce') NOT NULL,
  local_id   BIGINT UNSIGNED NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE KEY uq_ap_objects_uri (uri),
  KEY ix_ap_objects_local (kind, local_id),
  KEY ix_ap_objects_actor (actor_id),
  CONSTRAINT fk_ap_objects_actor FOREIGN KEY (actor_id) REFERENCES ap_actors (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Follows sent from here to remote people: pending until their Accept
-- (then a follows row is made, and the feed shows their posts), gone on
-- Reject or Undo. follow_uri: the Follow activity's id.
CREATE TABLE ap_follows_out (
  user_id    BIGINT UNSIGNED NOT NULL,
  actor_id   BIGINT UNSIGNED NOT NULL,
  follow_uri VARCHAR(512) NOT NULL,
  state      ENUM('pending','accepted') NOT NULL DEFAULT 'pending',
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, actor_id),
  UNIQUE KEY uq_ap_follows_out_uri (follow_uri),
  KEY ix_ap_follows_out_actor (actor_id),
  CONSTRAINT fk_ap_follows_out_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT fk_ap_follows_out_actor FOREIGN KEY (actor_id) REFERENCES ap_actors (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Defederated hosts: nothing from them is taken, nothing is sent to them,
-- and their people's content is hidden here (docs/FEDERATION.md
-- "Moderation").
CREATE TABLE ap_domain_blocks (
  domain     VARCHAR(255) NOT NULL PRIMARY KEY,
  reason     VARCHAR(400) NOT NULL DEFAULT '',
  created_by BIGINT UNSIGNED NULL,
  created_at BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- An erased account's public key stays fetchable until the Delete of its
-- actor has reached every server that knew it (they verify that Delete
-- with the key): key_until says how long.
ALTER TABLE ap_tombstones
  ADD COLUMN public_pem TEXT NULL,
  ADD COLUMN key_until BIGINT NOT NULL DEFAULT 0;

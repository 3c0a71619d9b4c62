-- 020_oauth.sql - the Mastodon client API and OAuth 2. Applications register
-- themselves (oauth_apps: the client secret stored only hashed), a person
-- authorizes one with a short-lived single-use code (oauth_codes, hashed,
-- with its PKCE challenge), and the app's access token is a session like any
-- other (kind 'oauth', with the app and the scopes it was granted), so that
-- every login, role, suspension and rate-limit check applies to it
-- unchanged. An app's own token (grant client_credentials, no person) is in
-- oauth_app_tokens. Pictures uploaded through POST /api/v1/media wait in
-- oauth_media until a status attaches them (post_id set).
CREATE TABLE oauth_apps (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  client_id     CHAR(43) NOT NULL,
  secret_hash   BINARY(32) NOT NULL,
  name          VARCHAR(100) NOT NULL,
  website       VARCHAR(255) NOT NULL DEFAULT '',
  redirect_uris VARCHAR(1000) NOT NULL,
  scopes        VARCHAR(255) NOT NULL,
  created_at    BIGINT NOT NULL,
  UNIQUE KEY uq_oauth_apps_client (client_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE oauth_codes (
  code_hash      BINARY(32) NOT NULL PRIMARY KEY,
  app_id         BIGINT UNSIGNED NOT NULL,
  user_id        BIGINT UNSIGNED NOT NULL,
  redirect_uri   VARCHAR(255) NOT NULL,
  scopes         VARCHAR(255) NOT NULL,
  challenge      VARCHAR(128) NOT NULL DEFAULT '',
  method         ENUM('', 'plain', 'S256') NOT NULL DEFAULT '',
  expires_at     BIGINT NOT NULL,
  KEY ix_oauth_codes_expires (expires_at),
  CONSTRAINT fk_oauth_codes_app FOREIGN KEY (app_id) REFERENCES oauth_apps (id) ON DELETE CASCADE,
  CONSTRAINT fk_oauth_codes_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=ascii;

CREATE TABLE oauth_app_tokens (
  token_hash BINARY(32) NOT NULL PRIMARY KEY,
  app_id     BIGINT UNSIGNED NOT NULL,
  scopes     VARCHAR(255) NOT NULL,
  created_at BIGINT NOT NULL,
  CONSTRAINT fk_oauth_app_tokens_app FOREIGN KEY (app_id) REFERENCES oauth_apps (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=ascii;

ALTER TABLE sessions
  MODIFY kind ENUM('browser','api','oauth') NOT NULL DEFAULT 'browser',
  ADD COLUMN app_id BIGINT UNSIGNED NULL,
  ADD COLUMN scopes VARCHAR(255) NOT NULL DEFAULT '',
  ADD KEY ix_sessions_app (app_id),
  ADD CONSTRAINT fk_sessions_app FOREIGN KEY (app_id) REFERENCES oauth_apps (id) ON DELETE CASCADE;

CREATE TABLE oauth_media (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id     BIGINT UNSIGNED NOT NULL,
  image_id    BIGINT UNSIGNED NOT NULL,
  description TEXT NOT NULL,
  app_id      BIGINT UNSIGNED NULL,            -- the app it came through (a status's "application")
  post_id     BIGINT UNSIGNED NULL,
  created_at  BIGINT NOT NULL,
  KEY ix_oauth_media_user (user_id, id),
  KEY ix_oauth_media_post (post_id),
  CONSTRAINT fk_oauth_media_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT fk_oauth_media_app FOREIGN KEY (app_id) REFERENCES oauth_apps (id) ON DELETE SET NULL,
  CONSTRAINT fk_oauth_media_image FOREIGN KEY (image_id) REFERENCES images (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

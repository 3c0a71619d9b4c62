-- 016_sessions.sql - people see and end their own sessions. Each session gets
-- a public id (what the list shows and a logout names; never the token or its
-- hash), how it was opened (a browser's cookie, or a token for a program),
-- when it was last used and the user agent that used it. last_seen_at also
-- makes an idle session expire (site.session_idle_days); sessions open before
-- this migration count as seen now, so the upgrade logs nobody out.
ALTER TABLE sessions
  ADD COLUMN id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  ADD COLUMN kind ENUM('browser','api') NOT NULL DEFAULT 'browser',
  ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN user_agent VARCHAR(255) NOT NULL DEFAULT '',
  ADD UNIQUE KEY uq_sessions_id (id);
UPDATE sessions SET last_seen_at = UNIX_TIMESTAMP();

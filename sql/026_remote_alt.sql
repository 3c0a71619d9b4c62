-- 026_remote_alt.sql - a remote picture's description (the attachment's
-- name, as Mastodon sends the alt text a person wrote), shown as the
-- picture's alt text here (docs/FEDERATION.md "Remote posts").
ALTER TABLE ap_remote_posts
  ADD COLUMN alt VARCHAR(1500) NOT NULL DEFAULT '';

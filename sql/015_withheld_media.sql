-- 015_withheld_media.sql - the files of a picture whose posts are all hidden
-- or removed leave the served media store (lib/withhold.c). Deciding that
-- asks whether anyone's avatar shows the picture, and the sweeper lists the
-- pictures of hidden and removed posts: both by index.
ALTER TABLE users ADD KEY ix_users_avatar (avatar_image_id);
ALTER TABLE posts ADD KEY ix_posts_mod_state (mod_state, image_id);

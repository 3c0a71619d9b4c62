-- 017_reply_notices.sql - a reply tells the author of the comment it answers
-- that it is a reply ("replied to your comment"), even on their own post,
-- where it used to read "commented on your post". Notices stored before keep
-- kind 'comment' (the list still calls them replies when they went to a
-- comment's author who is not the post's).
ALTER TABLE notifications
  MODIFY kind ENUM('like','comment','follow','remix','moderation','appeal','reply') NOT NULL;

-- 012_created_indexes.sql - the stats page counts sign-ups, generations and
-- reports per day over the last 30 days: range scans, not full scans.
ALTER TABLE users ADD KEY ix_users_created (created_at);
ALTER TABLE generations ADD KEY ix_gen_created (created_at);
ALTER TABLE reports ADD KEY ix_reports_created (created_at);

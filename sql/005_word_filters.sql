-- 005_word_filters.sql - the word filter list moderators edit (one row).
CREATE TABLE word_filters (
  id         TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  list       MEDIUMTEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_by BIGINT UNSIGNED NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO word_filters (id, list, updated_at) VALUES (1, '', 0);

-- 013_erasure.sql - deleting an account erases the person from the audit log
-- too. The log stays append-only for everything else: the one UPDATE the
-- trigger lets through replaces a deleted person's id and name (as actor,
-- subject or user target) with NULL / '[deleted]' / 0, and their name where a
-- moderator's reason or the detail quotes it as a word, and changes nothing
-- else.
DROP TRIGGER mod_actions_append_only_u;
CREATE TRIGGER mod_actions_append_only_u BEFORE UPDATE ON mod_actions FOR EACH ROW
BEGIN
  IF NOT (NEW.id = OLD.id AND NEW.action <=> OLD.action AND NEW.target_type <=> OLD.target_type
      AND (NEW.reason <=> OLD.reason OR (NEW.subject_name = '[deleted]'
           AND NEW.reason = REGEXP_REPLACE(OLD.reason, CONCAT('\\b', OLD.subject_name, '\\b'),
                                           '[deleted]')))
      AND (NEW.detail <=> OLD.detail OR (NEW.subject_name = '[deleted]'
           AND NEW.detail = REGEXP_REPLACE(OLD.detail, CONCAT('\\b', OLD.subject_name, '\\b'),
                                           '[deleted]')))
      AND NEW.until_at <=> OLD.until_at AND NEW.created_at <=> OLD.created_at
      AND (NEW.actor_id <=> OLD.actor_id OR NEW.actor_id IS NULL)
      AND (NEW.actor_name <=> OLD.actor_name OR NEW.actor_name = '[deleted]')
      AND (NEW.subject_id <=> OLD.subject_id OR NEW.subject_id IS NULL)
      AND (NEW.subject_name <=> OLD.subject_name OR NEW.subject_name = '[deleted]')
      AND (NEW.target_id <=> OLD.target_id OR (NEW.target_id = 0 AND OLD.target_type = 'user')))
  THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'the audit log is append-only';
  END IF;
END;

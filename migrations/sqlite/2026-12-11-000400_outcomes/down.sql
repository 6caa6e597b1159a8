DROP TRIGGER report_users_update;
CREATE TRIGGER report_users_update AFTER UPDATE ON users FOR EACH ROW WHEN (OLD.role = 'candidate' OR NEW.role = 'candidate') AND (OLD.role IS NOT NEW.role OR OLD.birth_date IS NOT NEW.birth_date OR OLD.created_at IS NOT NEW.created_at)
BEGIN
    INSERT INTO report_dirty (month, tx) VALUES (CASE WHEN CAST(strftime('%m', OLD.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', OLD.created_at, '+2 hours') ELSE strftime('%Y-%m', OLD.created_at, '+1 hour') END, 0) ON CONFLICT (month, tx) DO NOTHING;
    INSERT INTO report_dirty (month, tx) VALUES (CASE WHEN CAST(strftime('%m', NEW.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', NEW.created_at, '+2 hours') ELSE strftime('%Y-%m', NEW.created_at, '+1 hour') END, 0) ON CONFLICT (month, tx) DO NOTHING;
END;
ALTER TABLE prescribed_people DROP COLUMN sex;
ALTER TABLE users DROP COLUMN situation;
ALTER TABLE users DROP COLUMN sex;
DROP TABLE prescription_followups;
ALTER TABLE prescriptions DROP COLUMN qualification;
ALTER TABLE prescriptions DROP COLUMN dropout_reason;
DROP INDEX applications_hired_at;
ALTER TABLE applications DROP COLUMN contract_corrected;
ALTER TABLE applications DROP COLUMN contract_confirmed_at;
ALTER TABLE applications DROP COLUMN hired_at;
ALTER TABLE applications DROP COLUMN contract_start;
ALTER TABLE applications DROP COLUMN contract_type;

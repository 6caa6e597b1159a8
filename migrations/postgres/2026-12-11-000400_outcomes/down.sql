DROP TRIGGER report_users_update ON users;
CREATE TRIGGER report_users_update AFTER UPDATE ON users FOR EACH ROW
    WHEN ((OLD.role = 'candidate' OR NEW.role = 'candidate') AND (OLD.role IS DISTINCT FROM NEW.role
        OR OLD.birth_date IS DISTINCT FROM NEW.birth_date OR OLD.created_at IS DISTINCT FROM NEW.created_at))
    EXECUTE FUNCTION report_rows_changed();
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

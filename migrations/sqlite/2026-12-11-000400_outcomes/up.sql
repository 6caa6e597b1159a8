-- Outcomes and a complete evaluation annex.
--
-- An application can end in a contract: the company records its type and start day when it
-- hires, the candidate confirms or corrects them. Applications hired before this version get
-- their offer's contract type and start day, and their last change as the day of the hire.
ALTER TABLE applications ADD COLUMN contract_type TEXT;
ALTER TABLE applications ADD COLUMN contract_start DATE;
ALTER TABLE applications ADD COLUMN hired_at TIMESTAMP;
ALTER TABLE applications ADD COLUMN contract_confirmed_at TIMESTAMP;
ALTER TABLE applications ADD COLUMN contract_corrected BOOLEAN NOT NULL DEFAULT 0;
UPDATE applications SET
    hired_at = updated_at,
    contract_type = (SELECT contract_type FROM offers WHERE offers.id = applications.offer_id),
    contract_start = (SELECT start_date FROM offers WHERE offers.id = applications.offer_id)
WHERE status = 'hired';
CREATE INDEX applications_hired_at ON applications (hired_at);

-- A pre-registration after entry: why someone dropped out (coded), whether the training's
-- qualification was obtained, and the situation six months after leaving.
ALTER TABLE prescriptions ADD COLUMN dropout_reason TEXT;
ALTER TABLE prescriptions ADD COLUMN qualification TEXT;
CREATE TABLE prescription_followups (
    prescription_id TEXT PRIMARY KEY NOT NULL REFERENCES prescriptions (id) ON DELETE CASCADE,
    due_on DATE NOT NULL,
    situation TEXT,
    answered_by TEXT,
    answered_by_user TEXT REFERENCES users (id) ON DELETE SET NULL,
    answered_at TIMESTAMP,
    token_hash TEXT UNIQUE,
    mailed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX prescription_followups_due ON prescription_followups (due_on);

-- Sex, asked as optional, and the situation of candidates (the annex needs both).
ALTER TABLE users ADD COLUMN sex TEXT;
ALTER TABLE users ADD COLUMN situation TEXT;
ALTER TABLE prescribed_people ADD COLUMN sex TEXT;

-- The precomputed counts follow the two new columns, and every month is counted again
-- (new metrics read from the candidates).
DROP TRIGGER report_users_update;
CREATE TRIGGER report_users_update AFTER UPDATE ON users FOR EACH ROW WHEN (OLD.role = 'candidate' OR NEW.role = 'candidate') AND (OLD.role IS NOT NEW.role OR OLD.birth_date IS NOT NEW.birth_date OR OLD.created_at IS NOT NEW.created_at OR OLD.sex IS NOT NEW.sex OR OLD.situation IS NOT NEW.situation)
BEGIN
    INSERT INTO report_dirty (month, tx) VALUES (CASE WHEN CAST(strftime('%m', OLD.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', OLD.created_at, '+2 hours') ELSE strftime('%Y-%m', OLD.created_at, '+1 hour') END, 0) ON CONFLICT (month, tx) DO NOTHING;
    INSERT INTO report_dirty (month, tx) VALUES (CASE WHEN CAST(strftime('%m', NEW.created_at, '+2 hours') AS INTEGER) BETWEEN 4 AND 10 THEN strftime('%Y-%m', NEW.created_at, '+2 hours') ELSE strftime('%Y-%m', NEW.created_at, '+1 hour') END, 0) ON CONFLICT (month, tx) DO NOTHING;
END;
INSERT INTO report_dirty (month, tx) SELECT DISTINCT month, 0 FROM report_counts WHERE true
    ON CONFLICT (month, tx) DO NOTHING;

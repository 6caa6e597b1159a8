-- Outcomes and a complete evaluation annex (see the SQLite migration of the same name).
ALTER TABLE applications ADD COLUMN contract_type TEXT;
ALTER TABLE applications ADD COLUMN contract_start DATE;
ALTER TABLE applications ADD COLUMN hired_at TIMESTAMP;
ALTER TABLE applications ADD COLUMN contract_confirmed_at TIMESTAMP;
ALTER TABLE applications ADD COLUMN contract_corrected BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE applications SET
    hired_at = applications.updated_at,
    contract_type = offers.contract_type,
    contract_start = offers.start_date
FROM offers WHERE offers.id = applications.offer_id AND applications.status = 'hired';
CREATE INDEX applications_hired_at ON applications (hired_at);

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

ALTER TABLE users ADD COLUMN sex TEXT;
ALTER TABLE users ADD COLUMN situation TEXT;
ALTER TABLE prescribed_people ADD COLUMN sex TEXT;

DROP TRIGGER report_users_update ON users;
CREATE TRIGGER report_users_update AFTER UPDATE ON users FOR EACH ROW
    WHEN ((OLD.role = 'candidate' OR NEW.role = 'candidate') AND (OLD.role IS DISTINCT FROM NEW.role
        OR OLD.birth_date IS DISTINCT FROM NEW.birth_date OR OLD.created_at IS DISTINCT FROM NEW.created_at
        OR OLD.sex IS DISTINCT FROM NEW.sex OR OLD.situation IS DISTINCT FROM NEW.situation))
    EXECUTE FUNCTION report_rows_changed();
INSERT INTO report_dirty (month, tx) SELECT DISTINCT month, 0 FROM report_counts
    ON CONFLICT (month, tx) DO NOTHING;

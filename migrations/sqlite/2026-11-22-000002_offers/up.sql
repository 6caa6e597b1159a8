-- Work-study offers: posted by a company (or by a training centre it delegated to),
-- moderated by the chamber covering the place of work.
CREATE TABLE delegations (
    company_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    training_centre_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (company_id, training_centre_id)
);
CREATE INDEX delegations_centre ON delegations (training_centre_id);
CREATE TABLE offers (
    id TEXT PRIMARY KEY NOT NULL,
    company_id TEXT NOT NULL REFERENCES organisations (id),
    managed_by_id TEXT NOT NULL REFERENCES organisations (id),
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    rome_code TEXT NOT NULL,
    contract_type TEXT NOT NULL,
    level INTEGER NOT NULL,
    training TEXT,
    start_date DATE NOT NULL,
    duration_months INTEGER NOT NULL,
    commune_insee TEXT NOT NULL,
    department TEXT NOT NULL,
    positions INTEGER NOT NULL,
    share_with_france_travail BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    rejection_reason TEXT,
    moderated_by TEXT,
    moderated_at TIMESTAMP,
    published_at TIMESTAMP,
    expires_on DATE,
    expiry_warned_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX offers_company ON offers (company_id);
CREATE INDEX offers_managed_by ON offers (managed_by_id);
CREATE INDEX offers_status_department ON offers (status, department);
CREATE INDEX offers_published_at ON offers (published_at);

-- Reference data (ROME 4.0, NAF, INSEE geography). Loaded by `passerelle reference load`.
CREATE TABLE regions (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL
);
CREATE TABLE departments (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    region_code TEXT NOT NULL
);
CREATE TABLE communes (
    insee_code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    department TEXT NOT NULL,
    region TEXT NOT NULL,
    postal_codes TEXT NOT NULL,
    population BIGINT NOT NULL,
    lat REAL,
    lon REAL,
    geo_precision TEXT NOT NULL
);
CREATE INDEX communes_name_folded ON communes (name_folded);
CREATE INDEX communes_postal_codes ON communes (postal_codes);
CREATE INDEX communes_department ON communes (department);
CREATE TABLE rome_occupations (
    code TEXT PRIMARY KEY NOT NULL,
    label TEXT NOT NULL,
    label_folded TEXT NOT NULL
);
CREATE TABLE naf_divisions (
    code TEXT PRIMARY KEY NOT NULL,
    label TEXT NOT NULL
);
CREATE TABLE naf_division_rome (
    naf_division TEXT NOT NULL,
    rome_code TEXT NOT NULL,
    PRIMARY KEY (naf_division, rome_code)
);

-- Organisations and people.
CREATE TABLE organisations (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    network TEXT,
    siret TEXT UNIQUE,
    commune_insee TEXT,
    status TEXT NOT NULL,
    rejection_reason TEXT,
    validated_by TEXT,
    validated_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX organisations_status ON organisations (status);
CREATE TABLE organisation_departments (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    department_code TEXT NOT NULL,
    PRIMARY KEY (organisation_id, department_code)
);
CREATE INDEX organisation_departments_department ON organisation_departments (department_code);
CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation_id TEXT REFERENCES organisations (id),
    is_org_admin BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    email_verified_at TIMESTAMP,
    birth_date DATE,
    created_at TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP
);
CREATE INDEX users_organisation ON users (organisation_id);

-- Security.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    flash TEXT,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);
CREATE TABLE user_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX user_tokens_user ON user_tokens (user_id);
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
CREATE TABLE login_failures (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,
    ip TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);
CREATE TABLE audit_events (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_user_id TEXT,
    actor_organisation_id TEXT,
    action TEXT NOT NULL,
    target_type TEXT,
    target_id TEXT,
    ip TEXT,
    detail TEXT
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_target ON audit_events (target_type, target_id);

-- Mail outbox and background jobs.
CREATE TABLE outbox_mails (
    id TEXT PRIMARY KEY NOT NULL,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_mails_status ON outbox_mails (status, created_at);
CREATE TABLE jobs (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    run_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    locked_by TEXT,
    locked_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX jobs_due ON jobs (status, run_at);
CREATE TABLE schedules (
    name TEXT PRIMARY KEY NOT NULL,
    next_run_at TIMESTAMP NOT NULL
);

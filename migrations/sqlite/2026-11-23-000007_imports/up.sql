-- Partner imports: profiles (how a partner's files are read), runs (every file received)
-- and their rejected rows; imported offers remember their profile and partner reference.
CREATE TABLE import_profiles (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- Also the FTPS user name: letters, digits and hyphens.
    identifier TEXT NOT NULL,
    name TEXT NOT NULL,
    -- ymag, gil, sigma, generic or custom
    preset TEXT NOT NULL,
    -- JSON object: field -> column header of the partner's file
    mapping TEXT NOT NULL,
    -- delta or snapshot
    mode TEXT NOT NULL,
    -- JSON object: field -> value used when the file leaves it empty
    defaults TEXT NOT NULL,
    -- Offers publish without review (set by the chamber or the regional administrator).
    trusted BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX import_profiles_identifier ON import_profiles (identifier);
CREATE INDEX import_profiles_organisation ON import_profiles (organisation_id);

CREATE TABLE import_runs (
    id TEXT PRIMARY KEY NOT NULL,
    profile_id TEXT NOT NULL REFERENCES import_profiles (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    -- ftps, http or cli
    channel TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    file_bytes BIGINT NOT NULL,
    -- running, indexing, done or failed
    status TEXT NOT NULL,
    -- Why the whole file was refused (French), when it was.
    error TEXT,
    received INTEGER NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    withdrawn INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    duration_ms BIGINT
);
CREATE INDEX import_runs_profile ON import_runs (profile_id, started_at);
CREATE INDEX import_runs_organisation ON import_runs (organisation_id, started_at);

CREATE TABLE import_rejections (
    run_id TEXT NOT NULL REFERENCES import_runs (id) ON DELETE CASCADE,
    -- Order of the problem within the run.
    seq INTEGER NOT NULL,
    line INTEGER NOT NULL,
    reference TEXT NOT NULL,
    column_name TEXT NOT NULL,
    value TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);

ALTER TABLE offers ADD COLUMN import_profile_id TEXT REFERENCES import_profiles (id) ON DELETE SET NULL;
ALTER TABLE offers ADD COLUMN partner_reference TEXT;
-- Digest of the imported content: an identical row touches nothing.
ALTER TABLE offers ADD COLUMN import_digest TEXT;
CREATE UNIQUE INDEX offers_partner_reference ON offers (import_profile_id, partner_reference);

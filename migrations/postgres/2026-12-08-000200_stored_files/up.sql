-- Files kept in the database (the candidates' CVs…), so that every server process sharing the
-- database serves any of them and a backup of the database holds them all. A file is written
-- in the transaction of the row that names it, and deleted with that row.
CREATE TABLE stored_files (
    id TEXT PRIMARY KEY NOT NULL,
    -- What it is (cv…): for figures and housekeeping, never for access.
    kind TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL CHECK (size >= 0),
    -- SHA-256 of the bytes, lowercase hexadecimal: checked when the file is read.
    sha256 TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX stored_files_kind ON stored_files (kind);

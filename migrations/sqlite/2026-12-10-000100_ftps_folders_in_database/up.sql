-- The partners' FTPS folders live in the database, so that every node shows the same folder:
-- a file is the latest run received at its path (its bytes kept until the partner replaces or
-- deletes it), its report a stored file of that run (kind import-report), and the folders a
-- partner made are listed here.
ALTER TABLE import_runs ADD COLUMN report_file_id TEXT;
CREATE INDEX import_runs_ftps ON import_runs (profile_id, ftps_path);
CREATE TABLE ftps_folders (
    profile_id TEXT NOT NULL REFERENCES import_profiles (id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (profile_id, path)
);

-- A file received over FTPS or the API is recorded before it is acknowledged: its bytes
-- (stored_files, kind import-file), its run (`queued`) and the job that imports it, in one
-- transaction; any node imports it, even after the one that received it stopped.
ALTER TABLE import_runs ADD COLUMN file_id TEXT;
-- Where the file lies in its profile's FTPS folder, for the report written beside it.
ALTER TABLE import_runs ADD COLUMN ftps_path TEXT;
-- When the file joined the profile's queue (files of one profile are applied in this order).
ALTER TABLE import_runs ADD COLUMN queued_at TIMESTAMP;
-- How many times a queued file was taken (again after its process stopped during it).
ALTER TABLE import_runs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX import_runs_queue ON import_runs (profile_id, status, queued_at);

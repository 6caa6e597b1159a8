DROP INDEX import_runs_queue;
ALTER TABLE import_runs DROP COLUMN attempts;
ALTER TABLE import_runs DROP COLUMN queued_at;
ALTER TABLE import_runs DROP COLUMN ftps_path;
ALTER TABLE import_runs DROP COLUMN file_id;

DROP TABLE ftps_folders;
DROP INDEX import_runs_ftps;
ALTER TABLE import_runs DROP COLUMN report_file_id;

DROP INDEX import_runs_status;
ALTER TABLE import_runs DROP COLUMN lease_until;
ALTER TABLE import_runs DROP COLUMN runner;

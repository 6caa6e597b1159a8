-- A running import is held by the process that runs it (its instance id) until its lease
-- expires; the process renews the lease while it works. Only a run whose lease expired is
-- taken for interrupted (failed, or done and reindexed), never because another process started.
ALTER TABLE import_runs ADD COLUMN runner TEXT;
ALTER TABLE import_runs ADD COLUMN lease_until TIMESTAMP;
CREATE INDEX import_runs_status ON import_runs (status);

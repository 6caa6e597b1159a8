-- A person pre-registered by an adviser is warned by mail (when an address was given) a month
-- before their data is erased at the end of the retention the region set.
ALTER TABLE prescribed_people ADD COLUMN erasure_warned_at TIMESTAMP;

ALTER TABLE prescribed_people DROP COLUMN erasure_warned_at;

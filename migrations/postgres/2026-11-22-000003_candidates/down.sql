DROP TABLE candidate_occupations;
DROP TABLE candidate_profiles;
ALTER TABLE users DROP COLUMN inactivity_warned_at;

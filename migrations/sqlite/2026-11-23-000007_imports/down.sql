DROP INDEX offers_partner_reference;
ALTER TABLE offers DROP COLUMN import_digest;
ALTER TABLE offers DROP COLUMN partner_reference;
ALTER TABLE offers DROP COLUMN import_profile_id;
DROP TABLE import_rejections;
DROP TABLE import_runs;
DROP TABLE import_profiles;

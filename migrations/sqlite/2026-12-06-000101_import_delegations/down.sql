ALTER TABLE organisations DROP COLUMN proposed_by_id;
ALTER TABLE import_profiles DROP COLUMN allow_pending_companies;

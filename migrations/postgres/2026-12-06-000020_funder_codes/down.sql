ALTER TABLE funder_settings ADD COLUMN lheo_codes TEXT NOT NULL DEFAULT '';
UPDATE funder_settings SET lheo_codes = coalesce(
    (SELECT string_agg(code, ' ' ORDER BY code) FROM funder_codes
     WHERE funder_codes.organisation_id = funder_settings.organisation_id AND status = 'approved'), '');
DROP TABLE funder_codes;

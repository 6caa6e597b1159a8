-- LHÉO funder codes (code-financeur) are asked for by a funder and approved or refused by a
-- regional administrator; a code belongs to one funder, and only approved codes attribute
-- sessions. Codes funders declared themselves before wait for that approval.
CREATE TABLE funder_codes (
    code TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- pending, approved or refused
    status TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMP
);
CREATE INDEX funder_codes_organisation ON funder_codes (organisation_id);

INSERT INTO funder_codes (code, organisation_id, status, requested_at)
SELECT DISTINCT ON (code) code, organisation_id, 'pending', CURRENT_TIMESTAMP AT TIME ZONE 'UTC'
FROM funder_settings, unnest(string_to_array(trim(lheo_codes), ' ')) AS code
WHERE code <> ''
ORDER BY code, organisation_id
ON CONFLICT DO NOTHING;

ALTER TABLE funder_settings DROP COLUMN lheo_codes;

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

WITH RECURSIVE split (organisation_id, code, rest) AS (
    SELECT organisation_id, '', trim(lheo_codes) || ' ' FROM funder_settings
    UNION ALL
    SELECT organisation_id, substr(rest, 1, instr(rest, ' ') - 1), ltrim(substr(rest, instr(rest, ' ') + 1))
    FROM split WHERE rest <> ''
)
INSERT OR IGNORE INTO funder_codes (code, organisation_id, status, requested_at)
SELECT code, organisation_id, 'pending', CURRENT_TIMESTAMP FROM split
WHERE code <> '' ORDER BY organisation_id;

ALTER TABLE funder_settings DROP COLUMN lheo_codes;

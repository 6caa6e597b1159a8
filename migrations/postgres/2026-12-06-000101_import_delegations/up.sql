-- An import profile may propose companies unknown to Passerelle: they are created pending,
-- wait for the chamber's validation, and their offers are not published before it.
ALTER TABLE import_profiles ADD COLUMN allow_pending_companies BOOLEAN NOT NULL DEFAULT FALSE;
-- The organisation (id) whose import proposed a pending company, until someone claims it.
ALTER TABLE organisations ADD COLUMN proposed_by_id TEXT;

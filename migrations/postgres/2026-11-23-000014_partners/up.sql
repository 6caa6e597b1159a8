-- Partners and governance: the partner directory (public and restricted fields), the
-- onboarding checklist, the charter and its signatures, yearly renewals and contributions.

-- An organisation taking part in the platform's governance (one row per partner).
CREATE TABLE partner_profiles (
    organisation_id TEXT PRIMARY KEY NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- What the partner does in the platform (public).
    platform_role TEXT NOT NULL,
    website TEXT,
    description TEXT NOT NULL,
    -- Shown in the public directory (an active organisation only).
    listed BOOLEAN NOT NULL,
    -- Start of the onboarding: the checklist's targets count from this day.
    onboarding_started_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- People to contact at a partner; the partner's administrators choose the public one.
CREATE TABLE partner_contacts (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES partner_profiles (organisation_id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    function TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT,
    is_public BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX partner_contacts_organisation ON partner_contacts (organisation_id);

-- Onboarding steps done, each dated with who did it and who recorded it.
CREATE TABLE partner_steps (
    organisation_id TEXT NOT NULL REFERENCES partner_profiles (organisation_id) ON DELETE CASCADE,
    step TEXT NOT NULL,
    done_on DATE NOT NULL,
    done_by TEXT NOT NULL,
    note TEXT,
    -- The import profile agreed with the gateway specification step.
    import_profile_id TEXT REFERENCES import_profiles (id) ON DELETE SET NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (organisation_id, step)
);

-- Every charter version ever published.
CREATE TABLE charter_versions (
    id TEXT PRIMARY KEY NOT NULL,
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    effective_on DATE NOT NULL,
    published_by TEXT NOT NULL REFERENCES users (id),
    published_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX charter_versions_number ON charter_versions (number);

-- Every signature: who signed which version for which organisation, when (UTC).
CREATE TABLE charter_signatures (
    id TEXT PRIMARY KEY NOT NULL,
    version_id TEXT NOT NULL REFERENCES charter_versions (id),
    organisation_id TEXT NOT NULL REFERENCES partner_profiles (organisation_id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    signed_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX charter_signatures_once ON charter_signatures (version_id, organisation_id);

-- One yearly renewal per partner: tacit renewal date, contribution requested and paid
-- (euros as integer cents).
CREATE TABLE partner_renewals (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES partner_profiles (organisation_id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    renewal_on DATE NOT NULL,
    requested_cents BIGINT NOT NULL,
    requested_on DATE NOT NULL,
    due_on DATE NOT NULL,
    paid_cents BIGINT,
    paid_on DATE,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX partner_renewals_year ON partner_renewals (organisation_id, year);

-- Items already put in a reminder digest on a day (at most once per item per day).
CREATE TABLE partner_reminders (
    item TEXT NOT NULL,
    sent_on DATE NOT NULL,
    PRIMARY KEY (item, sent_on)
);

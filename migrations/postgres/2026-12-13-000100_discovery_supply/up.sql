-- Supply of job-discovery actions: needs published by schools (and Espaces Métiers) that
-- nearby companies answer with a proposal; actions entered on a company's behalf by a
-- chamber or a branch (until the company takes them over), imported in bulk; searches
-- counted per school and day, anonymously, for the regional figures.

CREATE TABLE discovery_needs (
    id TEXT PRIMARY KEY NOT NULL,
    -- The school (or Espace Métiers host) whose group it is.
    school_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    teacher_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    class_name TEXT NOT NULL,
    level TEXT NOT NULL,
    group_size INTEGER NOT NULL,
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    -- Where the group can go, and how far around it.
    commune_insee TEXT NOT NULL REFERENCES communes (insee_code),
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    radius_km INTEGER NOT NULL,
    -- " D1102 I1604 " (spaces around each code); "  " when every trade is welcome.
    rome_codes TEXT NOT NULL,
    message TEXT NOT NULL,
    -- open, matched (a proposal accepted), closed (withdrawn by the school).
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX discovery_needs_status ON discovery_needs (status, period_to);
CREATE INDEX discovery_needs_school ON discovery_needs (school_id, created_at);

CREATE TABLE discovery_proposals (
    id TEXT PRIMARY KEY NOT NULL,
    need_id TEXT NOT NULL REFERENCES discovery_needs (id) ON DELETE CASCADE,
    -- The company or branch proposing.
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    proposed_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    proposed_date DATE NOT NULL,
    message TEXT NOT NULL,
    -- proposed, accepted, declined, superseded (another proposal was accepted).
    status TEXT NOT NULL,
    -- The confirmed request the accepted proposal became.
    request_id TEXT REFERENCES discovery_requests (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX discovery_proposals_one_per_org ON discovery_proposals (need_id, organisation_id);

-- The chamber or branch that entered the action for the company, while it keeps it (NULL
-- once the company took it over), and who did.
ALTER TABLE discovery_actions ADD COLUMN entered_by_org TEXT REFERENCES organisations (id) ON DELETE SET NULL;
ALTER TABLE discovery_actions ADD COLUMN entered_by TEXT REFERENCES users (id) ON DELETE SET NULL;
-- Bulk imports: the importing organisation and the row's key (its reference, or a digest
-- of the row), so that importing the same file twice adds nothing.
ALTER TABLE discovery_actions ADD COLUMN import_org TEXT;
ALTER TABLE discovery_actions ADD COLUMN import_key TEXT;
CREATE UNIQUE INDEX discovery_actions_import ON discovery_actions (import_org, import_key);
CREATE INDEX discovery_actions_entered ON discovery_actions (entered_by_org);

-- One row per school account and day it searched: no words, no person.
CREATE TABLE discovery_search_days (
    school_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    day DATE NOT NULL,
    PRIMARY KEY (school_id, day)
);

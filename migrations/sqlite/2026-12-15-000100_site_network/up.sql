-- Relay sites: a site may be attached to a central site (« site relais de l’Espace Métiers
-- de … »); the regional team attaches and detaches.
ALTER TABLE sites ADD COLUMN central_site_id TEXT REFERENCES sites (id) ON DELETE SET NULL;
CREATE INDEX sites_central ON sites (central_site_id);

-- A site's yearly action plan: written by its coordinators, reviewed by the regional team.
CREATE TABLE site_plans (
    id TEXT PRIMARY KEY NOT NULL,
    site_id TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    -- draft, submitted, validated, to_revise
    status TEXT NOT NULL,
    -- The regional team's last comment (the reason when « à revoir »).
    review_comment TEXT NOT NULL,
    reviewed_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    submitted_at TIMESTAMP,
    reviewed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX site_plans_site_year ON site_plans (site_id, year);

CREATE TABLE site_plan_objectives (
    id TEXT PRIMARY KEY NOT NULL,
    plan_id TEXT NOT NULL REFERENCES site_plans (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    -- The figure aimed at, if any.
    target INTEGER,
    -- The figure achieved (results).
    achieved INTEGER,
    -- The coordinators' comment on this objective's result.
    comment TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX site_plan_objectives_plan ON site_plan_objectives (plan_id);

CREATE TABLE site_plan_actions (
    id TEXT PRIMARY KEY NOT NULL,
    plan_id TEXT NOT NULL REFERENCES site_plans (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    -- When, as the coordinators write it (« mars 2027 », « 2e trimestre »).
    period TEXT NOT NULL,
    audience TEXT NOT NULL,
    partner TEXT NOT NULL,
    -- planned, done, cancelled
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX site_plan_actions_plan ON site_plan_actions (plan_id);

-- Content from partners: training centres and chambers propose news and events (open days,
-- job-dating…); an editor publishes or refuses them. A proposal is never public: approving it
-- creates the news item or the agenda event, whose address is kept here.
CREATE TABLE content_proposals (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    author_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    -- news, or an event kind (open_day, job_dating, fair, alternance_wednesday, other).
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    -- Markdown: the news text or the event's description.
    body TEXT NOT NULL,
    -- Events only (UTC).
    starts_at TIMESTAMP,
    ends_at TIMESTAMP,
    place TEXT NOT NULL,
    organiser TEXT NOT NULL,
    territory TEXT,
    -- proposed, approved or refused.
    status TEXT NOT NULL,
    -- Why an editor refused it (empty otherwise).
    reason TEXT NOT NULL,
    -- Where the approved item is published (/actualites/<slug>, /agenda?mois=…).
    published_path TEXT,
    decided_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    decided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX content_proposals_organisation ON content_proposals (organisation_id, created_at);
CREATE INDEX content_proposals_status ON content_proposals (status, created_at);

-- Pages reserved to professionals (« ressources pro ») live with the documentation pages:
-- public or professionals, with a summary and an optional category.
ALTER TABLE content_pages ADD COLUMN audience TEXT NOT NULL DEFAULT 'public';
ALTER TABLE content_pages ADD COLUMN summary TEXT NOT NULL DEFAULT '';
ALTER TABLE content_pages ADD COLUMN category TEXT NOT NULL DEFAULT '';

-- Applications of candidates to offers, with one message thread each. The organisation
-- that manages the offer (company or delegated training centre) receives them.
CREATE TABLE applications (
    id TEXT PRIMARY KEY NOT NULL,
    offer_id TEXT NOT NULL REFERENCES offers (id),
    candidate_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    managed_by_id TEXT NOT NULL REFERENCES organisations (id),
    status TEXT NOT NULL,
    decline_reason TEXT,
    first_answered_at TIMESTAMP,
    reminded_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX applications_offer_candidate ON applications (offer_id, candidate_id);
CREATE INDEX applications_candidate ON applications (candidate_id);
CREATE INDEX applications_managed_by ON applications (managed_by_id, status);
CREATE TABLE application_messages (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    author_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    from_candidate BOOLEAN NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX application_messages_application ON application_messages (application_id, created_at);

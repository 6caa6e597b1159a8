-- A recruiter asks to contact a candidate; contact details are shown only once accepted.
CREATE TABLE contact_requests (
    id TEXT PRIMARY KEY NOT NULL,
    candidate_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    requested_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    message TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    answered_at TIMESTAMP
);
CREATE UNIQUE INDEX contact_requests_pair ON contact_requests (candidate_id, organisation_id);

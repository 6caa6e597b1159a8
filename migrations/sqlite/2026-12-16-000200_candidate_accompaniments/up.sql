-- A candidate accompanied by an insertion structure (Mission Locale, France Travail, Cap
-- emploi) says which agency; with their consent (follow_consent_at), that agency's advisers
-- follow their applications. Withdrawn at once by the candidate.
CREATE TABLE candidate_accompaniments (
    candidate_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    agency_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    follow_consent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX candidate_accompaniments_agency ON candidate_accompaniments (agency_id);

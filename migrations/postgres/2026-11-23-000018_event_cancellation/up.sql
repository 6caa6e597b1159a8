-- A person registered for a career-space event cancels from the link in their confirmation
-- mail (its secret is kept hashed); the place goes back to others.
ALTER TABLE site_event_registrations ADD COLUMN cancel_token_hash TEXT;
CREATE UNIQUE INDEX site_event_registrations_cancel ON site_event_registrations (cancel_token_hash);

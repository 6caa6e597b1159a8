-- Consent to the region's information mails (campaigns): when the person ticked it at
-- sign-up or in their account; empty means no consent (or withdrawn).
ALTER TABLE users ADD COLUMN info_mail_consent_at TIMESTAMP;
-- Extra headers of an outgoing mail (JSON list of [name, value]), e.g. List-Unsubscribe.
ALTER TABLE outbox_mails ADD COLUMN extra_headers TEXT;
CREATE INDEX outbox_mails_to_status ON outbox_mails (to_address, status);

CREATE TABLE campaigns (
    id TEXT PRIMARY KEY NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    audience TEXT NOT NULL,
    department TEXT,
    rome_code TEXT,
    org_kind TEXT,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    started_at TIMESTAMP,
    finished_at TIMESTAMP
);

CREATE TABLE campaign_recipients (
    id TEXT PRIMARY KEY NOT NULL,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    status TEXT NOT NULL,
    token_digest TEXT UNIQUE,
    outbox_mail_id TEXT,
    created_at TIMESTAMP NOT NULL,
    handled_at TIMESTAMP,
    unsubscribed_at TIMESTAMP,
    UNIQUE (campaign_id, user_id)
);
CREATE INDEX campaign_recipients_pending ON campaign_recipients (campaign_id, status);

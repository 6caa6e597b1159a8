-- The information line "Cap Info": requests by phone, web form and e-mail, answered by an
-- information officer or routed to an information partner, within 48 working hours.

-- The managed list of topics.
CREATE TABLE helpline_topics (
    code TEXT PRIMARY KEY NOT NULL,
    label TEXT NOT NULL,
    position INTEGER NOT NULL,
    active BOOLEAN NOT NULL
);
INSERT INTO helpline_topics (code, label, position, active) VALUES
    ('training_entry', 'Entrée en formation', 1, TRUE),
    ('funding', 'Financement de la formation', 2, TRUE),
    ('apprenticeship', 'Apprentissage et alternance', 3, TRUE),
    ('career_change', 'Reconversion et VAE', 4, TRUE),
    ('orientation', 'Orientation', 5, TRUE),
    ('other', 'Autre question', 6, TRUE);

CREATE TABLE helpline_requests (
    id TEXT PRIMARY KEY NOT NULL,
    -- CAP-XXXXXXXX, carried in the subject of every mail about the request.
    reference TEXT NOT NULL,
    -- phone, web or email.
    channel TEXT NOT NULL,
    -- new, answered, routed, answered_by_partner, closed.
    status TEXT NOT NULL,
    topic TEXT NOT NULL REFERENCES helpline_topics (code),
    -- individual or professional.
    caller_kind TEXT NOT NULL,
    -- under_18, 18_25, 26_44, 45_plus, unknown.
    age_band TEXT NOT NULL,
    situation TEXT NOT NULL,
    requester_name TEXT,
    requester_email TEXT,
    requester_phone TEXT,
    subject TEXT NOT NULL,
    question TEXT NOT NULL,
    -- The information partner it is routed to.
    partner_id TEXT REFERENCES organisations (id) ON DELETE SET NULL,
    officer_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    received_at TIMESTAMP NOT NULL,
    -- Start of the current 48-hour clock (reset when the request is reopened).
    clock_started_at TIMESTAMP NOT NULL,
    -- Set while the clock waits for the requester.
    paused_since TIMESTAMP,
    -- Business seconds the clock spent paused in the current cycle.
    paused_seconds BIGINT NOT NULL,
    first_response_at TIMESTAMP,
    -- Business seconds from reception to the first answer, pauses excluded.
    first_response_seconds BIGINT,
    -- Who gave the first answer: officer or partner.
    first_response_by TEXT,
    first_response_partner_id TEXT REFERENCES organisations (id) ON DELETE SET NULL,
    reminded_at TIMESTAMP,
    escalated_at TIMESTAMP,
    closed_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX helpline_requests_reference ON helpline_requests (reference);
CREATE INDEX helpline_requests_status ON helpline_requests (status);
CREATE INDEX helpline_requests_partner ON helpline_requests (partner_id);

-- The request's history: reception, answers, routing, replies, closing, reopening.
CREATE TABLE helpline_events (
    id TEXT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL REFERENCES helpline_requests (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    body TEXT,
    user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    organisation_id TEXT REFERENCES organisations (id) ON DELETE SET NULL,
    -- Message-ID of the mail received or sent (to attach replies to the thread).
    message_id TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX helpline_events_request ON helpline_events (request_id);
CREATE INDEX helpline_events_message ON helpline_events (message_id);

-- Signed single-use links e-mailed to a partner's responders (only the hash is kept).
CREATE TABLE helpline_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL REFERENCES helpline_requests (id) ON DELETE CASCADE,
    partner_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);

-- Web form submissions per client address, for the rate limit (kept one day).
CREATE TABLE helpline_submissions (
    id TEXT PRIMARY KEY NOT NULL,
    ip TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX helpline_submissions_ip ON helpline_submissions (ip, at);

-- Information officers who receive escalations (besides the regional administrators).
CREATE TABLE helpline_supervisors (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE
);

-- Practitioner training programme ("Cap Métiers Formation") and editorial content (news,
-- agenda, documentation pages).

CREATE TABLE programme_courses (
    id TEXT PRIMARY KEY NOT NULL,
    -- short_course, professional_day or workshop.
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE programme_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    course_id TEXT NOT NULL REFERENCES programme_courses (id) ON DELETE CASCADE,
    place TEXT NOT NULL,
    audience TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    max_per_organisation INTEGER NOT NULL,
    -- Seats taken (confirmed registrations): only ever raised by a conditional UPDATE
    -- (confirmed < capacity) whose affected row count tells whether the seat was obtained.
    confirmed INTEGER NOT NULL,
    -- Last registration number handed out (first come, first served order).
    last_seq INTEGER NOT NULL,
    first_day DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX programme_sessions_course ON programme_sessions (course_id);

CREATE TABLE programme_session_days (
    session_id TEXT NOT NULL REFERENCES programme_sessions (id) ON DELETE CASCADE,
    day DATE NOT NULL,
    PRIMARY KEY (session_id, day)
);

CREATE TABLE programme_registrations (
    id TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES programme_sessions (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- confirmed, waiting or cancelled.
    status TEXT NOT NULL,
    seq INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    cancelled_at TIMESTAMP
);
CREATE UNIQUE INDEX programme_registrations_seq ON programme_registrations (session_id, seq);
CREATE UNIQUE INDEX programme_registrations_active ON programme_registrations (session_id, user_id)
    WHERE status <> 'cancelled';
CREATE INDEX programme_registrations_user ON programme_registrations (user_id);

-- Active registrations (confirmed or waiting) per organisation and session, raised only by
-- a conditional UPDATE (active < the session's cap).
CREATE TABLE programme_org_quotas (
    session_id TEXT NOT NULL REFERENCES programme_sessions (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    active INTEGER NOT NULL,
    PRIMARY KEY (session_id, organisation_id)
);

CREATE TABLE programme_attendance (
    registration_id TEXT NOT NULL REFERENCES programme_registrations (id) ON DELETE CASCADE,
    day DATE NOT NULL,
    recorded_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (registration_id, day)
);

CREATE TABLE programme_evaluations (
    registration_id TEXT PRIMARY KEY NOT NULL REFERENCES programme_registrations (id) ON DELETE CASCADE,
    session_id TEXT NOT NULL REFERENCES programme_sessions (id) ON DELETE CASCADE,
    content_score INTEGER NOT NULL,
    facilitation_score INTEGER NOT NULL,
    usefulness_score INTEGER NOT NULL,
    organisation_score INTEGER NOT NULL,
    comment TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX programme_evaluations_session ON programme_evaluations (session_id);

CREATE TABLE content_news (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL,
    -- Department code, or NULL for the whole region.
    territory TEXT,
    published_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    author_id TEXT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX content_news_published ON content_news (published_at);

CREATE TABLE content_events (
    id TEXT PRIMARY KEY NOT NULL,
    -- fair, open_day, alternance_wednesday or other.
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    place TEXT NOT NULL,
    organiser TEXT NOT NULL,
    territory TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    author_id TEXT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX content_events_starts ON content_events (starts_at);

CREATE TABLE content_pages (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    author_id TEXT REFERENCES users (id) ON DELETE SET NULL
);

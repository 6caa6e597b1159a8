-- Espaces Métiers network (sites, anonymous walk-in visits, local events with registrations,
-- travelling exhibitions and their bookings) and job-discovery actions ("Cap sur les
-- métiers") offered by companies and requested by schools.

CREATE TABLE sites (
    id TEXT PRIMARY KEY NOT NULL,
    -- The host organisation (kind site_host): its coordinators run the site.
    host_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    commune_insee TEXT NOT NULL REFERENCES communes (insee_code),
    opening_hours TEXT NOT NULL,
    services TEXT NOT NULL,
    resources TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX sites_host ON sites (host_id);

-- One walk-in visit, anonymous by design: coded answers only, no name, no free text.
CREATE TABLE site_visits (
    id TEXT PRIMARY KEY NOT NULL,
    site_id TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    visited_on DATE NOT NULL,
    age_band TEXT NOT NULL,
    situation TEXT NOT NULL,
    topic TEXT NOT NULL,
    -- 1 for an individual visit, the number of people for a group.
    group_size INTEGER NOT NULL,
    -- A coded partner the visitor was referred to, if any.
    referred_to TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX site_visits_site_day ON site_visits (site_id, visited_on);

CREATE TABLE site_events (
    id TEXT PRIMARY KEY NOT NULL,
    site_id TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    -- Places open to registration; NULL: no registration needed.
    capacity INTEGER,
    -- Registrations taken (a conditional update keeps it at or under capacity).
    registered INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX site_events_site ON site_events (site_id, starts_at);

CREATE TABLE site_event_registrations (
    id TEXT PRIMARY KEY NOT NULL,
    event_id TEXT NOT NULL REFERENCES site_events (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX site_event_registrations_email ON site_event_registrations (event_id, email);

CREATE TABLE exhibitions (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    -- Panels, surface, what the site must provide.
    requirements TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE exhibition_bookings (
    id TEXT PRIMARY KEY NOT NULL,
    exhibition_id TEXT NOT NULL REFERENCES exhibitions (id) ON DELETE CASCADE,
    site_id TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    transport_days_before INTEGER NOT NULL,
    transport_days_after INTEGER NOT NULL,
    booked_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX exhibition_bookings_exhibition ON exhibition_bookings (exhibition_id, starts_on);

-- Every day an exhibition is away (transport days included), one row each: the primary key
-- makes overlapping bookings impossible, whatever the concurrency.
CREATE TABLE exhibition_booked_days (
    exhibition_id TEXT NOT NULL REFERENCES exhibitions (id) ON DELETE CASCADE,
    day DATE NOT NULL,
    booking_id TEXT NOT NULL REFERENCES exhibition_bookings (id) ON DELETE CASCADE,
    PRIMARY KEY (exhibition_id, day)
);

CREATE TABLE discovery_actions (
    id TEXT PRIMARY KEY NOT NULL,
    -- The company or professional branch offering it.
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    -- " D1102 D1104 " (spaces around each code, for LIKE filters).
    rome_codes TEXT NOT NULL,
    -- " college lycee " (spaces around each level).
    levels TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    commune_insee TEXT NOT NULL REFERENCES communes (insee_code),
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    on_request BOOLEAN NOT NULL,
    starts_on DATE,
    ends_on DATE,
    -- " term1 term2 ": French-analysed words of title and description.
    search_terms TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX discovery_actions_org ON discovery_actions (organisation_id);

-- Which schools looked at an action (one row per school organisation).
CREATE TABLE discovery_views (
    action_id TEXT NOT NULL REFERENCES discovery_actions (id) ON DELETE CASCADE,
    school_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    first_viewed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (action_id, school_id)
);

CREATE TABLE discovery_requests (
    id TEXT PRIMARY KEY NOT NULL,
    action_id TEXT NOT NULL REFERENCES discovery_actions (id) ON DELETE CASCADE,
    company_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    school_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    teacher_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    group_size INTEGER NOT NULL,
    wished_dates TEXT NOT NULL,
    message TEXT NOT NULL,
    status TEXT NOT NULL,
    proposed_date DATE,
    answer TEXT,
    company_attendance INTEGER,
    school_attendance INTEGER,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX discovery_requests_company ON discovery_requests (company_id, created_at);
CREATE INDEX discovery_requests_school ON discovery_requests (school_id, created_at);

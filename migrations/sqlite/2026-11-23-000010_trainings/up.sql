-- Training catalogue after LHÉO 2.3 (training → action → session) and online
-- pre-registration of people on funded sessions by prescribers.
-- Each level keeps its full LHÉO content as JSON (`data`); the columns beside it are what
-- searches, scoping and reports filter on.

-- Which LHÉO funder codes (code-financeur) an organisation of kind funder stands for, and
-- how many working days centres have to decide on a pre-registration it funds.
CREATE TABLE funder_settings (
    organisation_id TEXT PRIMARY KEY NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- Space-separated LHÉO codes, e.g. "2" for a Conseil régional.
    lheo_codes TEXT NOT NULL,
    decision_days INTEGER NOT NULL
);

CREATE TABLE trainings (
    id TEXT PRIMARY KEY NOT NULL,
    -- Who published it (funder or training centre): the upsert key is (publisher, numero).
    publisher_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    numero TEXT NOT NULL,
    -- The training centre that receives pre-registrations (matched on its SIRET).
    centre_id TEXT REFERENCES organisations (id) ON DELETE SET NULL,
    centre_siret TEXT NOT NULL,
    title TEXT NOT NULL,
    -- " rome1 rome2 " (spaces around each code, for LIKE filters).
    rome_codes TEXT NOT NULL,
    -- " term1 term2 ": French-analysed words of title, objectives and content.
    search_terms TEXT NOT NULL,
    certifying BOOLEAN NOT NULL,
    entry_level INTEGER NOT NULL,
    -- The training's LHÉO content without its actions (JSON).
    data TEXT NOT NULL,
    digest TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX trainings_publisher_numero ON trainings (publisher_id, numero);
CREATE INDEX trainings_centre ON trainings (centre_id);

CREATE TABLE training_actions (
    id TEXT PRIMARY KEY NOT NULL,
    training_id TEXT NOT NULL REFERENCES trainings (id) ON DELETE CASCADE,
    numero TEXT NOT NULL,
    commune_insee TEXT,
    department TEXT,
    lat REAL,
    lon REAL,
    teaching_mode INTEGER NOT NULL,
    prescription_required BOOLEAN NOT NULL,
    -- The action's LHÉO content without its sessions (JSON).
    data TEXT NOT NULL
);
CREATE UNIQUE INDEX training_actions_numero ON training_actions (training_id, numero);
CREATE INDEX training_actions_department ON training_actions (department);

CREATE TABLE training_action_funders (
    action_id TEXT NOT NULL REFERENCES training_actions (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    lheo_code TEXT NOT NULL,
    -- The funder organisation standing for this code, when there is one.
    funder_id TEXT REFERENCES organisations (id) ON DELETE SET NULL,
    places INTEGER,
    PRIMARY KEY (action_id, position)
);
CREATE INDEX training_action_funders_funder ON training_action_funders (funder_id);

CREATE TABLE training_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    action_id TEXT NOT NULL REFERENCES training_actions (id) ON DELETE CASCADE,
    training_id TEXT NOT NULL REFERENCES trainings (id) ON DELETE CASCADE,
    numero TEXT NOT NULL,
    -- First and last possible days (LHÉO month or year dates widened; NULL when unknown).
    start_date DATE,
    end_date DATE,
    -- open, closed or suspended
    recruitment TEXT NOT NULL,
    places INTEGER,
    funded BOOLEAN NOT NULL,
    -- The session's LHÉO content (JSON).
    data TEXT NOT NULL
);
CREATE UNIQUE INDEX training_sessions_numero ON training_sessions (action_id, numero);
CREATE INDEX training_sessions_start ON training_sessions (start_date);
CREATE INDEX training_sessions_training ON training_sessions (training_id);

-- A person pre-registered by a prescriber: the minimum the centre needs.
CREATE TABLE prescribed_people (
    id TEXT PRIMARY KEY NOT NULL,
    -- The prescriber's agency: only its advisers see the person.
    agency_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    birth_date DATE NOT NULL,
    email TEXT,
    phone TEXT,
    -- job_seeker, young_person, employee, disabled_worker, other
    situation TEXT NOT NULL,
    level INTEGER NOT NULL,
    job_seeker_id TEXT,
    consent_at TIMESTAMP NOT NULL,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX prescribed_people_agency ON prescribed_people (agency_id, last_name);

CREATE TABLE prescriptions (
    id TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES training_sessions (id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES prescribed_people (id) ON DELETE CASCADE,
    agency_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    prescriber_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    centre_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- The funder whose rules set the deadline (first funder of the action), if any.
    funder_id TEXT REFERENCES organisations (id) ON DELETE SET NULL,
    motive TEXT NOT NULL,
    status TEXT NOT NULL,
    refusal_reason TEXT,
    refusal_detail TEXT,
    outcome_reason TEXT,
    decision_due DATE NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    received_at TIMESTAMP,
    decided_at TIMESTAMP,
    entry_date DATE,
    exit_date DATE,
    reminded_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX prescriptions_agency ON prescriptions (agency_id, status);
CREATE INDEX prescriptions_centre ON prescriptions (centre_id, status);
CREATE INDEX prescriptions_session ON prescriptions (session_id);
CREATE INDEX prescriptions_funder ON prescriptions (funder_id);
CREATE INDEX prescriptions_person ON prescriptions (person_id);

-- Every transition, dated and attributed.
CREATE TABLE prescription_events (
    id TEXT PRIMARY KEY NOT NULL,
    prescription_id TEXT NOT NULL REFERENCES prescriptions (id) ON DELETE CASCADE,
    from_status TEXT,
    to_status TEXT NOT NULL,
    -- A day the transition names (interview, entry, drop-out), when it has one.
    event_date DATE,
    note TEXT,
    user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    organisation_id TEXT REFERENCES organisations (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX prescription_events_prescription ON prescription_events (prescription_id, created_at);

CREATE TABLE prescription_messages (
    id TEXT PRIMARY KEY NOT NULL,
    prescription_id TEXT NOT NULL REFERENCES prescriptions (id) ON DELETE CASCADE,
    author_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    organisation_id TEXT REFERENCES organisations (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX prescription_messages_prescription ON prescription_messages (prescription_id, created_at);

-- Satisfaction survey: at most one offer a quarter per person.
CREATE TABLE survey_responses (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    organisation_id TEXT REFERENCES organisations (id) ON DELETE SET NULL,
    -- The network of the respondent's organisation (France Travail, Mission Locale, …).
    network TEXT NOT NULL,
    role TEXT NOT NULL,
    -- e.g. 2026-T4
    quarter TEXT NOT NULL,
    -- answered or declined
    outcome TEXT NOT NULL,
    ease INTEGER,
    speed INTEGER,
    dialogue INTEGER,
    overall INTEGER,
    comment TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX survey_responses_user_quarter ON survey_responses (user_id, quarter);

-- What an import run carried: offers (CSV) or trainings (LHÉO).
ALTER TABLE import_runs ADD COLUMN content TEXT NOT NULL DEFAULT 'offers';

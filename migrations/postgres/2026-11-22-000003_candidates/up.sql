-- Candidate profiles: what they look for, their CV, and whether recruiters may see them.
CREATE TABLE candidate_profiles (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    presentation TEXT NOT NULL,
    level_reached INTEGER,
    level_sought INTEGER,
    commune_insee TEXT,
    department TEXT,
    mobility_km INTEGER NOT NULL,
    available_from DATE,
    visible BOOLEAN NOT NULL,
    validation_status TEXT NOT NULL,
    rejection_reason TEXT,
    validated_by TEXT,
    validated_at TIMESTAMP,
    cv_file TEXT,
    cv_original_name TEXT,
    cv_size BIGINT,
    cv_uploaded_at TIMESTAMP,
    structured_cv TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX candidate_profiles_validation ON candidate_profiles (validation_status, department);
CREATE TABLE candidate_occupations (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rome_code TEXT NOT NULL,
    PRIMARY KEY (user_id, rome_code)
);
CREATE INDEX candidate_occupations_rome ON candidate_occupations (rome_code);

-- Inactive accounts are warned once before they are erased.
ALTER TABLE users ADD COLUMN inactivity_warned_at TIMESTAMP;

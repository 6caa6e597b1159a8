-- A recruiter's (or a training centre's) subscription to new CVs: the criteria of a CV search
-- as typed (occupation, commune and radius, level), mailed daily with the visible, validated
-- profiles that match and were never sent to this alert (cv_alert_sent).
CREATE TABLE cv_alerts (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    rome TEXT NOT NULL,
    commune TEXT NOT NULL,
    radius_km TEXT NOT NULL,
    level TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX cv_alerts_user ON cv_alerts (user_id);
CREATE TABLE cv_alert_sent (
    alert_id TEXT NOT NULL REFERENCES cv_alerts (id) ON DELETE CASCADE,
    candidate_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (alert_id, candidate_id)
);

CREATE TABLE helpline_submissions (
    id TEXT PRIMARY KEY NOT NULL,
    ip TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX helpline_submissions_ip ON helpline_submissions (ip, at);
DROP TABLE throttle_hits;
DROP INDEX login_failures_channel_ip;
DROP INDEX login_failures_pair;
ALTER TABLE login_failures DROP COLUMN channel;

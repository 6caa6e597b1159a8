-- Login failures are counted per (account, address) pair and per channel (web, ftps).
ALTER TABLE login_failures ADD COLUMN channel TEXT NOT NULL DEFAULT 'web';
CREATE INDEX login_failures_pair ON login_failures (channel, email, ip, at);
CREATE INDEX login_failures_channel_ip ON login_failures (channel, ip, at);

-- One throttle for the forms that send mail or can be abused: one row per attempt, keyed by
-- the action and what is counted (an address, an e-mail); shared by every server process.
CREATE TABLE throttle_hits (
    id TEXT PRIMARY KEY NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX throttle_hits_lookup ON throttle_hits (action, subject, at);

-- The information line's own counter of web submissions gives way to the shared throttle.
DROP TABLE helpline_submissions;

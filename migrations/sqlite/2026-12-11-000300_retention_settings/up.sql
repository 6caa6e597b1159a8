-- How long each kind of personal data is kept, as the regional administrator set it (days).
-- A kind without a row keeps the default its capability declares in code.
CREATE TABLE retention_settings (
    kind TEXT PRIMARY KEY NOT NULL,
    days INTEGER NOT NULL,
    updated_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    updated_at TIMESTAMP NOT NULL
);
-- The legal pages' texts (legal notice, accessibility statement, introduction of the privacy
-- page) as the editors wrote them, in Markdown; a page without a row shows the built-in text.
CREATE TABLE legal_texts (
    key TEXT PRIMARY KEY NOT NULL,
    body TEXT NOT NULL,
    updated_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    updated_at TIMESTAMP NOT NULL
);

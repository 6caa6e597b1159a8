-- Basket and subscriptions: saved offers (candidates), saved profiles (recruiters), saved
-- searches with e-mail alerts and a private Atom feed.
CREATE TABLE saved_offers (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    offer_id TEXT NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, offer_id)
);
CREATE TABLE saved_profiles (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    candidate_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, candidate_id)
);
CREATE TABLE saved_searches (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    alerts BOOLEAN NOT NULL,
    feed_token TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX saved_searches_user ON saved_searches (user_id);
CREATE TABLE digest_sent (
    saved_search_id TEXT NOT NULL REFERENCES saved_searches (id) ON DELETE CASCADE,
    offer_id TEXT NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (saved_search_id, offer_id)
);

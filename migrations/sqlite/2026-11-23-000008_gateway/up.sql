-- France Travail gateway: what to send to France Travail for each consenting offer. At most
-- one pending entry per offer; agents close entries by recording the France Travail code.
CREATE TABLE gateway_entries (
    id TEXT PRIMARY KEY NOT NULL,
    offer_id TEXT NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    -- to_create, to_modify or to_cancel
    action TEXT NOT NULL,
    -- pending or done
    status TEXT NOT NULL,
    ft_code TEXT,
    agency TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    processed_at TIMESTAMP,
    processed_by TEXT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX gateway_entries_offer ON gateway_entries (offer_id, created_at);
CREATE INDEX gateway_entries_status ON gateway_entries (status, updated_at);
CREATE UNIQUE INDEX gateway_entries_one_pending ON gateway_entries (offer_id) WHERE status = 'pending';

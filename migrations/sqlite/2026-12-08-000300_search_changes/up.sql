-- The change log of what the search indexes hold: each change to an indexed item writes a row
-- in the transaction of the change; every node follows the log to keep its own index in step.
CREATE TABLE search_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    item_id TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);

-- The nodes that follow the log, with how far they went: the log is pruned behind the slowest
-- live one.
CREATE TABLE search_nodes (
    id TEXT PRIMARY KEY NOT NULL,
    cursor BIGINT NOT NULL,
    seen_at TIMESTAMP NOT NULL
);

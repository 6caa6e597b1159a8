-- The whole NAF rév. 2 tree (division, group, class, subclass), with its accented labels.
CREATE TABLE naf_codes (
    code TEXT PRIMARY KEY NOT NULL,
    level TEXT NOT NULL,
    label TEXT NOT NULL,
    label_folded TEXT NOT NULL
);

-- Settings of the instance every node reads from the database (written from the configuration
-- at start): `territory`, the INSEE region code the instance serves, or FR.
CREATE TABLE instance_settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

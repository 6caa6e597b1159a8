DROP TABLE gateway_entries;

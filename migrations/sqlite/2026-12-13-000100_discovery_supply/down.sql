DROP TABLE discovery_search_days;
DROP INDEX discovery_actions_entered;
DROP INDEX discovery_actions_import;
ALTER TABLE discovery_actions DROP COLUMN import_key;
ALTER TABLE discovery_actions DROP COLUMN import_org;
ALTER TABLE discovery_actions DROP COLUMN entered_by;
ALTER TABLE discovery_actions DROP COLUMN entered_by_org;
DROP TABLE discovery_proposals;
DROP TABLE discovery_needs;

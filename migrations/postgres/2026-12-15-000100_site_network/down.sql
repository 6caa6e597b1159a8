DROP TABLE site_plan_actions;
DROP TABLE site_plan_objectives;
DROP TABLE site_plans;
DROP INDEX sites_central;
ALTER TABLE sites DROP COLUMN central_site_id;

ALTER TABLE trainings DROP COLUMN summary_href;
ALTER TABLE trainings DROP COLUMN is_summary;

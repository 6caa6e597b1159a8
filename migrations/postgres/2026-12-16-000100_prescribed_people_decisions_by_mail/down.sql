ALTER TABLE prescribed_people DROP COLUMN decisions_by_mail_at;

DROP TABLE campaign_recipients;
DROP TABLE campaigns;
DROP INDEX outbox_mails_to_status;
ALTER TABLE outbox_mails DROP COLUMN extra_headers;
ALTER TABLE users DROP COLUMN info_mail_consent_at;

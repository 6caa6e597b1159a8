ALTER TABLE outbox_mails DROP COLUMN body_html;

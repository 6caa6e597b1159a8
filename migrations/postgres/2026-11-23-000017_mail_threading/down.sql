ALTER TABLE outbox_mails DROP COLUMN thread_refs;

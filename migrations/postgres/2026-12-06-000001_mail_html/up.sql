-- The HTML alternative of a mail, sent next to its text as multipart/alternative.
ALTER TABLE outbox_mails ADD COLUMN body_html TEXT;

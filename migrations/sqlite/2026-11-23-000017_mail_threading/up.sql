-- Message-IDs a mail answers (space-separated, oldest first; the last one is In-Reply-To),
-- so that the requester's mail program shows a helpline exchange as one conversation.
ALTER TABLE outbox_mails ADD COLUMN thread_refs TEXT;

-- The files an outbound email attaches: the ids of its message's
-- attachments, space-separated, fixed when the email is queued (empty when
-- it attaches none, or when they were too large and the email lists them
-- instead). The sender reads their contents at each attempt.
ALTER TABLE outbox ADD COLUMN attachment_ids TEXT NOT NULL DEFAULT '';

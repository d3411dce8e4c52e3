-- Outbound email: a durable outbox written in the same transaction as the
-- ticket change that caused it, and sent by a background worker. Each row
-- keeps the Message-ID generated when it was written, so a retry after a
-- crash re-sends the very same message and recipients' clients dedupe it.
-- status: queued → sending (next_attempt_at is then the lease's end) → sent,
-- or back to queued with a later next_attempt_at, or failed.
CREATE TABLE outbox (
    id                INTEGER PRIMARY KEY,
    ticket_id         BIGINT REFERENCES tickets (id) ON DELETE CASCADE,
    message_id        BIGINT REFERENCES messages (id) ON DELETE SET NULL,
    kind              TEXT NOT NULL,
    mailbox_address   TEXT NOT NULL,
    from_name         TEXT NOT NULL DEFAULT '',
    reply_to          TEXT NOT NULL DEFAULT '',
    rfc822_message_id TEXT NOT NULL,
    to_addrs          TEXT NOT NULL,
    cc_addrs          TEXT NOT NULL DEFAULT '',
    subject           TEXT NOT NULL,
    body_text         TEXT NOT NULL,
    body_html         TEXT NOT NULL DEFAULT '',
    in_reply_to       TEXT NOT NULL DEFAULT '',
    references_ids    TEXT NOT NULL DEFAULT '',
    headers           TEXT NOT NULL DEFAULT '{}',
    status            TEXT NOT NULL DEFAULT 'queued',
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   BIGINT NOT NULL,
    last_error        TEXT NOT NULL DEFAULT '',
    created_at        BIGINT NOT NULL,
    sent_at           BIGINT
);
-- The worker's "due rows" query: status IN (queued, sending) AND next_attempt_at <= now.
CREATE INDEX outbox_due ON outbox (status, next_attempt_at, id);
CREATE INDEX outbox_message ON outbox (message_id);
CREATE INDEX outbox_ticket ON outbox (ticket_id, created_at);
CREATE UNIQUE INDEX outbox_rfc822_message_id ON outbox (rfc822_message_id);

-- Overrides of the embedded default notification templates, by key.
CREATE TABLE mail_templates (
    key        TEXT PRIMARY KEY,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

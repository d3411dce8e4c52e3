-- Every inbound message Docket accepted, once: the content hash makes a
-- re-delivery (IMAP after a restart, a UIDVALIDITY change, an MTA retry) a
-- no-op, and the decision says what became of it.
CREATE TABLE inbound_messages (
    id            INTEGER PRIMARY KEY,
    mailbox_id    BIGINT REFERENCES mailboxes (id) ON DELETE SET NULL,
    message_id    TEXT NOT NULL DEFAULT '',
    content_hash  TEXT NOT NULL,
    sender        TEXT NOT NULL DEFAULT '',
    subject       TEXT NOT NULL DEFAULT '',
    ticket_id     BIGINT REFERENCES tickets (id) ON DELETE SET NULL,
    msg_id        BIGINT REFERENCES messages (id) ON DELETE SET NULL,
    decision      TEXT NOT NULL,
    quarantined   BOOLEAN NOT NULL DEFAULT FALSE,
    received_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX inbound_messages_hash ON inbound_messages (content_hash);
CREATE INDEX inbound_messages_message_id ON inbound_messages (message_id);
CREATE INDEX inbound_messages_sender ON inbound_messages (sender, received_at);

-- IMAP progress per mailbox: the folder's UIDVALIDITY and the last UID
-- imported, saved after each message is committed, so a restart neither
-- re-imports nor skips anything.
CREATE TABLE imap_state (
    mailbox_id   BIGINT PRIMARY KEY REFERENCES mailboxes (id) ON DELETE CASCADE,
    uid_validity BIGINT NOT NULL,
    last_uid     BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

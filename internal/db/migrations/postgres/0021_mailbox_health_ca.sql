-- A mailbox says what is wrong with it: the last error of fetching it
-- (connection, login, import, moving a message) and when, kept beside the
-- current status so a mailbox that reconnects still shows why it dropped.
-- ca_pem is a private certificate authority (PEM) the mailbox's IMAP and
-- SMTP servers are trusted by, in addition to the system roots.
ALTER TABLE mailboxes ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE mailboxes ADD COLUMN last_error_at BIGINT;
ALTER TABLE mailboxes ADD COLUMN ca_pem TEXT NOT NULL DEFAULT '';

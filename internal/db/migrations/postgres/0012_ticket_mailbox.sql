-- The mailbox a ticket came in through: its notifications are sent as that
-- mailbox, through its server.
ALTER TABLE tickets ADD COLUMN mailbox_id BIGINT REFERENCES mailboxes (id) ON DELETE SET NULL;

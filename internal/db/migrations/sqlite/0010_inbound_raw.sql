-- The raw message is kept in the same row (and transaction) as the import
-- record: one write per message instead of a file per message.
ALTER TABLE inbound_messages ADD COLUMN raw BLOB;

-- A message is a duplicate only by its content, never by its Message-ID
-- alone: senders reuse ids for different messages. content_key hashes what
-- the author wrote (see contentKey in internal/mail); rows from before it
-- have none (NULL), and are still known by their content_hash.
DROP INDEX inbound_messages_sender_message_id;
ALTER TABLE inbound_messages ADD COLUMN content_key TEXT;
CREATE UNIQUE INDEX inbound_messages_content_key ON inbound_messages (content_key);

-- A message is a duplicate only by its content, never by its Message-ID
-- alone: senders reuse ids for different messages. content_key hashes what
-- the author wrote (see contentKey in internal/mail); rows from before it
-- have none (NULL), and are still known by their content_hash.
DROP INDEX inbound_messages_sender_message_id;
ALTER TABLE inbound_messages ADD COLUMN content_key TEXT;
CREATE UNIQUE INDEX inbound_messages_content_key ON inbound_messages (content_key);

-- Every message Docket did not file waits in one list (the inbound list)
-- for an agent's decision: state is quarantined, rejected or bounce while
-- it waits, then filed or discarded, with who decided and when. reason
-- keeps why it was not filed. Nothing is deleted from the list.
ALTER TABLE inbound_messages ADD COLUMN state TEXT NOT NULL DEFAULT 'filed';
ALTER TABLE inbound_messages ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound_messages ADD COLUMN decided_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE inbound_messages ADD COLUMN decided_at BIGINT;
UPDATE inbound_messages SET state = 'quarantined', reason = decision WHERE quarantined = TRUE;
UPDATE inbound_messages SET state = 'bounce', reason = decision
WHERE quarantined = FALSE AND ticket_id IS NULL
  AND (decision LIKE 'bounce:%; not matched' OR decision LIKE 'bounce:%; it does not answer anything Docket sent');
UPDATE inbound_messages SET state = 'rejected', reason = decision
WHERE quarantined = FALSE AND ticket_id IS NULL AND (decision LIKE 'rejected:%' OR decision LIKE 'dropped:%');
CREATE INDEX inbound_messages_state ON inbound_messages (state, id);

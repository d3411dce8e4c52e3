-- name: inbound-seen
-- A message imported before: the same bytes, or the same content (see
-- contentKey). Rows from before content keys have none ('').
SELECT i.decision, COALESCE(t.number, 0) FROM inbound_messages i LEFT JOIN tickets t ON t.id = i.ticket_id
WHERE i.content_hash = $1 OR i.content_key = $2
ORDER BY i.id LIMIT 1;

-- name: insert-inbound
INSERT INTO inbound_messages (mailbox_id, message_id, content_hash, sender, subject, ticket_id, msg_id, decision,
    quarantined, received_at, raw, content_key, state, reason)
VALUES ($1, $2, $3, $4, $5, (SELECT id FROM tickets WHERE number = $6), $7, $8, $9, $10, $11, $12, $13, $14)
RETURNING id;

-- name: message-id-seen
-- The first earlier message under a Message-ID (other than row $2), and
-- the ticket it went to.
SELECT i.id, COALESCE(t.number, 0) FROM inbound_messages i LEFT JOIN tickets t ON t.id = i.ticket_id
WHERE i.message_id = $1 AND i.id <> $2
ORDER BY i.id LIMIT 1;

-- name: inbound-raw
SELECT raw FROM inbound_messages WHERE id = $1;

-- name: count-from-sender
SELECT COUNT(*) FROM inbound_messages WHERE sender = $1 AND received_at > $2;

-- name: ticket-by-message-id
-- Message-IDs are reused, by different senders too: of the tickets with a
-- message under the id, the newest one the sender ($2) takes part in, else
-- the newest.
SELECT t.number FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.message_id = $1
ORDER BY CASE WHEN EXISTS (SELECT 1 FROM users u WHERE lower(u.email) = lower($2) AND (t.requester_id = u.id
    OR t.assignee_id = u.id OR EXISTS (SELECT 1 FROM ticket_followers f WHERE f.ticket_id = t.id AND f.user_id = u.id)))
    THEN 0 ELSE 1 END, m.id DESC LIMIT 1;

-- name: ticket-by-inbound-message-id
-- As ticket-by-message-id, through the import records.
SELECT t.number FROM inbound_messages i JOIN tickets t ON t.id = i.ticket_id WHERE i.message_id = $1
ORDER BY CASE WHEN EXISTS (SELECT 1 FROM users u WHERE lower(u.email) = lower($2) AND (t.requester_id = u.id
    OR t.assignee_id = u.id OR EXISTS (SELECT 1 FROM ticket_followers f WHERE f.ticket_id = t.id AND f.user_id = u.id)))
    THEN 0 ELSE 1 END, i.id DESC LIMIT 1;

-- name: ticket-by-outbox-message-id
-- Email we sent (an acknowledgement, a notice, a reply) by its Message-ID.
SELECT t.number FROM outbox o JOIN tickets t ON t.id = o.ticket_id WHERE o.rfc822_message_id = $1;

-- name: ticket-by-uid-prefix
SELECT number FROM tickets WHERE uid = $1;

-- name: participant
SELECT COUNT(*) FROM tickets t JOIN users u ON lower(u.email) = lower($2)
WHERE t.number = $1 AND (t.requester_id = u.id OR t.assignee_id = u.id
    OR EXISTS (SELECT 1 FROM ticket_followers f WHERE f.ticket_id = t.id AND f.user_id = u.id));

-- name: flagged-ticket
SELECT t.number FROM tickets t JOIN users u ON u.id = t.requester_id
JOIN ticket_tags g ON g.ticket_id = t.id AND g.tag = 'mail-loop'
WHERE lower(u.email) = lower($1) AND t.status NOT IN ('resolved', 'closed')
ORDER BY t.id DESC LIMIT 1;

-- name: ticket-by-number
SELECT number FROM tickets WHERE number = $1;

-- name: imap-state
SELECT uid_validity, last_uid FROM imap_state WHERE mailbox_id = $1;

-- name: save-imap-state
-- The checkpoint only moves forward: to a later UID under the same
-- UIDVALIDITY, or to a new UIDVALIDITY when the stored one is still the one
-- this fetch read when it began ($5). A fetcher that lost its lease while
-- working can therefore never rewind it, nor undo a newer UIDVALIDITY.
INSERT INTO imap_state (mailbox_id, uid_validity, last_uid, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (mailbox_id) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid,
    updated_at = excluded.updated_at
WHERE (imap_state.uid_validity = excluded.uid_validity AND imap_state.last_uid < excluded.last_uid)
   OR (imap_state.uid_validity <> excluded.uid_validity AND imap_state.uid_validity = $5);

-- name: select-inbound
-- The inbound list's columns; NewImporter adds the WHERE clauses.
SELECT i.id, COALESCE(i.mailbox_id, 0), COALESCE(mb.address, ''), i.message_id, i.sender, i.subject, i.state, i.reason,
       i.decision, COALESCE(t.number, 0), i.received_at, COALESCE(u.name, ''), COALESCE(u.email, ''),
       COALESCE(i.decided_at, 0), COALESCE(LENGTH(i.raw), 0)
FROM inbound_messages i LEFT JOIN mailboxes mb ON mb.id = i.mailbox_id LEFT JOIN tickets t ON t.id = i.ticket_id
LEFT JOIN users u ON u.id = i.decided_by;

-- name: count-waiting-inbound
SELECT COUNT(*) FROM inbound_messages WHERE state IN ('quarantined', 'rejected', 'bounce');

-- name: discard-inbound
UPDATE inbound_messages SET state = 'discarded', quarantined = FALSE, decision = $2, decided_by = $3, decided_at = $4
WHERE id = $1 AND state IN ('quarantined', 'rejected', 'bounce');

-- name: ticket-mailbox
SELECT COALESCE(mailbox_id, 0) FROM tickets WHERE id = $1;

-- name: decide-inbound
-- An agent's decision on a waiting message: its record becomes the record
-- of what became of it. Only a waiting message can be decided on, once.
UPDATE inbound_messages SET quarantined = FALSE, decision = $2, ticket_id = (SELECT id FROM tickets WHERE number = $3),
    msg_id = $4, state = $5, reason = CASE WHEN $6 = '' THEN reason ELSE $6 END, decided_by = $7, decided_at = $8
WHERE id = $1 AND state IN ('quarantined', 'rejected', 'bounce');

-- name: digest-recipient
SELECT email, name, active FROM users WHERE id = $1;

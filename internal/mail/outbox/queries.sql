-- Outbox queries. $N placeholders work on both dialects.

-- name: insert-outbox
INSERT INTO outbox (ticket_id, message_id, kind, mailbox_address, from_name, reply_to, rfc822_message_id,
    to_addrs, cc_addrs, subject, body_text, body_html, in_reply_to, references_ids, headers, status,
    attempts, next_attempt_at, created_at, attachment_ids)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'queued', 0, $16, $16, $17)
RETURNING id

-- name: outbox-start
-- One attempt begins: only a row still waiting is sent.
UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id = $1 AND status IN ('queued', 'sending')

-- name: select-outbox
SELECT id, ticket_id, message_id, kind, mailbox_address, from_name, reply_to, rfc822_message_id, to_addrs,
    cc_addrs, subject, body_text, body_html, in_reply_to, references_ids, headers, status, attempts,
    next_attempt_at, last_error, created_at, sent_at, attachment_ids
FROM outbox WHERE id = $1

-- name: outbox-sent
UPDATE outbox SET status = 'sent', sent_at = $2, last_error = '' WHERE id = $1 AND status = 'sending'

-- name: outbox-retry
UPDATE outbox SET status = 'queued', next_attempt_at = $2, last_error = $3 WHERE id = $1 AND status = 'sending'

-- name: outbox-failed
UPDATE outbox SET status = 'failed', last_error = $2 WHERE id = $1 AND status = 'sending'

-- name: outbox-abandon
UPDATE outbox SET status = 'failed', last_error = $2 WHERE id = $1 AND status IN ('queued', 'sending')

-- name: outbox-without-job
-- Rows waiting to be sent with no send job waiting or running (the
-- partial unique index on jobs.unique_key answers the NOT EXISTS).
SELECT o.id FROM outbox o
WHERE o.status IN ('queued', 'sending') AND o.id > $1
  AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.unique_key = CAST($2 AS TEXT) || o.id
                  AND j.state IN ('available', 'running', 'retryable'))
ORDER BY o.id LIMIT 100

-- name: last-send-job
SELECT state, last_error FROM jobs WHERE kind = $1 AND unique_key = $2 ORDER BY id DESC LIMIT 1

-- name: outbox-of-message
SELECT id, ticket_id, message_id, kind, mailbox_address, from_name, reply_to, rfc822_message_id, to_addrs,
    cc_addrs, subject, body_text, body_html, in_reply_to, references_ids, headers, status, attempts,
    next_attempt_at, last_error, created_at, sent_at, attachment_ids
FROM outbox WHERE message_id = $1 ORDER BY id

-- name: thread-ids
SELECT mid FROM (
    SELECT message_id AS mid, created_at AS at, id AS seq, 0 AS src FROM messages
    WHERE ticket_id = $1 AND message_id <> ''
    UNION ALL
    SELECT rfc822_message_id AS mid, created_at AS at, id AS seq, 1 AS src FROM outbox
    WHERE ticket_id = $1 AND kind IN ('ack', 'reply', 'resolution')
) AS ids
ORDER BY at, src, seq

-- name: set-message-id
-- An agent's reply is mailed under a Message-ID of ours: the message keeps it.
UPDATE messages SET message_id = $2 WHERE id = $1 AND message_id = ''

-- name: signature
SELECT signature FROM users WHERE id = $1

-- name: recipient
SELECT id, email, name, role, active FROM users WHERE id = $1

-- name: ticket-followers
SELECT u.id, u.email, u.name, u.role, u.active FROM ticket_followers f JOIN users u ON u.id = f.user_id
WHERE f.ticket_id = $1 ORDER BY u.id

-- name: select-template
SELECT subject, body, updated_at FROM mail_templates WHERE key = $1

-- name: upsert-template
INSERT INTO mail_templates (key, subject, body, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (key) DO UPDATE SET subject = excluded.subject, body = excluded.body, updated_at = excluded.updated_at

-- name: delete-template
DELETE FROM mail_templates WHERE key = $1

-- name: mark-bounced
UPDATE outbox SET status = 'failed', last_error = $2 WHERE rfc822_message_id = $1;

-- name: bounced-ticket
SELECT t.number FROM outbox o JOIN tickets t ON t.id = o.ticket_id WHERE o.rfc822_message_id = $1;

-- name: prune-sent
DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status = 'sent' AND sent_at < $1 LIMIT 1000)

-- name: outbox-requeue
-- A person retried the email's job: it waits to be sent again, with a
-- fresh count of attempts and the same Message-ID.
UPDATE outbox SET status = 'queued', attempts = 0, last_error = '' WHERE id = $1 AND status = 'failed';

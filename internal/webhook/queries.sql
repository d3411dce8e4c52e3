-- name: insert-webhook
INSERT INTO webhooks (url, events, secret, enabled, allow_private_host, created_by, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
RETURNING id;

-- name: update-webhook
UPDATE webhooks SET url = $2, events = $3, secret = $4, enabled = $5, allow_private_host = $6, disabled_reason = $7,
    disabled_at = $8, updated_at = $9
WHERE id = $1;

-- name: delete-webhook
DELETE FROM webhooks WHERE id = $1;

-- name: get-webhook
SELECT w.id, w.url, w.events, w.secret, w.enabled, w.allow_private_host, COALESCE(w.created_by, 0),
       COALESCE(u.email, ''), w.disabled_reason, w.disabled_at, w.created_at, w.updated_at
FROM webhooks w LEFT JOIN users u ON u.id = w.created_by
WHERE w.id = $1;

-- name: list-webhooks
SELECT w.id, w.url, w.events, w.secret, w.enabled, w.allow_private_host, COALESCE(w.created_by, 0),
       COALESCE(u.email, ''), w.disabled_reason, w.disabled_at, w.created_at, w.updated_at
FROM webhooks w LEFT JOIN users u ON u.id = w.created_by
ORDER BY w.id;

-- name: enabled-webhooks
SELECT id, events FROM webhooks WHERE enabled ORDER BY id;

-- name: lock-webhook
-- Serializes changes to a webhook (see queries.postgres.sql); SQLite's
-- single writer does that already.
SELECT id FROM webhooks WHERE id = $1;

-- name: lock-chain
-- Serializes the hand-over of one delivery chain between the consumer
-- that adds to it and the job that finishes its head (see
-- queries.postgres.sql); SQLite's single writer does that already.
SELECT $1 + $2;

-- name: disable-webhook
-- Only as it was when the failing attempt read it ($4, its updated_at): an
-- admin's change since (a mended URL, the webhook enabled again) stands.
UPDATE webhooks SET enabled = FALSE, disabled_reason = $2, disabled_at = $3, updated_at = $3
WHERE id = $1 AND enabled AND updated_at = $4;

-- name: insert-delivery
INSERT INTO webhook_deliveries (webhook_id, event_id, event_kind, chain, redelivery_of, next_attempt_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $6)
ON CONFLICT DO NOTHING
RETURNING id;

-- name: earlier-pending
-- Whether a delivery before $3 in the chain still waits: then the chain
-- has its runner already and $3 waits its turn.
SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = $1 AND chain = $2 AND state = 'pending' AND id < $3;

-- name: chain-head
SELECT id, next_attempt_at FROM webhook_deliveries WHERE webhook_id = $1 AND chain = $2 AND state = 'pending'
ORDER BY id LIMIT 1;

-- name: chain-heads
-- The first waiting delivery of each chain of a webhook: where a
-- re-enabled webhook resumes.
SELECT MIN(id) FROM webhook_deliveries WHERE webhook_id = $1 AND state = 'pending' GROUP BY chain;

-- name: get-delivery
SELECT id, webhook_id, event_id, event_kind, chain, COALESCE(redelivery_of, 0), state, attempts, status_code, response_ms,
       error, response_excerpt, next_attempt_at, created_at, finished_at
FROM webhook_deliveries WHERE id = $1;

-- name: list-deliveries
SELECT id, webhook_id, event_id, event_kind, chain, COALESCE(redelivery_of, 0), state, attempts, status_code, response_ms,
       error, response_excerpt, next_attempt_at, created_at, finished_at
FROM webhook_deliveries WHERE webhook_id = $1 AND ($2 = 0 OR id < $2)
ORDER BY id DESC LIMIT $3;

-- name: record-attempt
UPDATE webhook_deliveries SET state = $2, attempts = attempts + 1, status_code = $3, response_ms = $4, error = $5,
    response_excerpt = $6, next_attempt_at = $7, finished_at = $8
WHERE id = $1 AND state = 'pending';

-- name: delivery-to-send
-- A delivery with what sending it needs: its webhook and its event (the
-- event may be gone: NULLs).
SELECT d.id, d.webhook_id, d.event_id, d.event_kind, d.chain, d.state, d.attempts, d.created_at,
       w.url, w.secret, w.enabled, w.allow_private_host, w.updated_at,
       COALESCE(e.at, 0), COALESCE(e.actor_type, ''), COALESCE(e.actor_id, 0), COALESCE(e.actor_name, ''),
       COALESCE(e.subject_type, ''), COALESCE(e.subject_id, 0), COALESCE(e.ticket_id, 0), e.payload
FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id LEFT JOIN domain_events e ON e.id = d.event_id
WHERE d.id = $1;

-- name: admin-recipients
SELECT name, email FROM users WHERE role = 'admin' AND active ORDER BY id;

-- name: prune-deliveries
DELETE FROM webhook_deliveries WHERE id IN (
    SELECT id FROM webhook_deliveries WHERE state <> 'pending' AND finished_at < $1 LIMIT 1000);

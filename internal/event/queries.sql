-- name: insert-domain-event
INSERT INTO domain_events (at, kind, actor_type, actor_id, actor_name, subject_type, subject_id, ticket_id, payload)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING id;

-- name: read-events
SELECT id, id, at, kind, actor_type, COALESCE(actor_id, 0), actor_name, subject_type, COALESCE(subject_id, 0),
       COALESCE(ticket_id, 0), payload
FROM domain_events WHERE id > $1 ORDER BY id LIMIT $2;

-- name: head-position
SELECT COALESCE(MAX(id), 0) FROM domain_events;

-- name: get-checkpoint
SELECT position FROM event_checkpoints WHERE consumer = $1;

-- name: init-checkpoint
INSERT INTO event_checkpoints (consumer, position, updated_at) VALUES ($1, $2, $3) ON CONFLICT (consumer) DO NOTHING;

-- name: lock-checkpoint
SELECT position FROM event_checkpoints WHERE consumer = $1;

-- name: save-checkpoint
UPDATE event_checkpoints SET position = $2, updated_at = $3 WHERE consumer = $1 AND position < $2;

-- name: list-checkpoints
SELECT consumer, position, updated_at FROM event_checkpoints ORDER BY consumer;

-- name: insert-trigger
INSERT INTO triggers (name, position, enabled, events, conditions, actions, author_id, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
RETURNING id;

-- name: update-trigger
UPDATE triggers SET name = $2, position = $3, enabled = $4, events = $5, conditions = $6, actions = $7, author_id = $8,
    updated_at = $9
WHERE id = $1;

-- name: delete-trigger
DELETE FROM triggers WHERE id = $1;

-- name: get-trigger
SELECT r.id, r.name, r.position, r.enabled, r.events, r.conditions, r.actions, COALESCE(r.author_id, 0),
       COALESCE(u.email, ''), r.created_at, r.updated_at
FROM triggers r LEFT JOIN users u ON u.id = r.author_id
WHERE r.id = $1;

-- name: trigger-by-name
SELECT id FROM triggers WHERE lower(name) = lower($1);

-- name: list-triggers
SELECT r.id, r.name, r.position, r.enabled, r.events, r.conditions, r.actions, COALESCE(r.author_id, 0),
       COALESCE(u.email, ''), r.created_at, r.updated_at
FROM triggers r LEFT JOIN users u ON u.id = r.author_id
WHERE (r.position > $1 OR (r.position = $1 AND r.id > $2))
ORDER BY r.position, r.id LIMIT $3;

-- name: enabled-triggers
SELECT r.id, r.name, r.position, r.enabled, r.events, r.conditions, r.actions, COALESCE(r.author_id, 0),
       '', r.created_at, r.updated_at
FROM triggers r WHERE r.enabled ORDER BY r.position, r.id;

-- name: next-position
SELECT COALESCE(MAX(position), 0) + 1 + $1 FROM triggers;

-- name: insert-run
INSERT INTO trigger_runs (trigger_id, event_id, ticket_id, outcome, detail, at) VALUES ($1, $2, $3, $4, $5, $6);

-- name: list-runs
SELECT r.id, r.event_id, COALESCE(t.number, 0), r.outcome, r.detail, r.at
FROM trigger_runs r LEFT JOIN tickets t ON t.id = r.ticket_id
WHERE r.trigger_id = $1 AND ($2 = 0 OR r.id < $2)
ORDER BY r.id DESC LIMIT $3;

-- name: prune-runs
DELETE FROM trigger_runs WHERE id IN (SELECT id FROM trigger_runs WHERE at < $1 LIMIT 1000);

-- name: set-position
UPDATE triggers SET position = $2, updated_at = $3 WHERE id = $1;

-- name: insert-macro
INSERT INTO macros (name, body, actions, owner_id, team_id, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $6)
RETURNING id;

-- name: update-macro
UPDATE macros SET name = $2, body = $3, actions = $4, owner_id = $5, team_id = $6, updated_at = $7 WHERE id = $1;

-- name: delete-macro
DELETE FROM macros WHERE id = $1;

-- name: get-macro
SELECT m.id, m.name, m.body, m.actions, COALESCE(m.team_id, 0), COALESCE(t.name, ''), COALESCE(m.owner_id, 0),
       COALESCE(u.email, ''), m.usage_count, m.created_at, m.updated_at
FROM macros m LEFT JOIN teams t ON t.id = m.team_id LEFT JOIN users u ON u.id = m.owner_id
WHERE m.id = $1;

-- The macros agent $1 may see ($2: every one, for admins), by name, after
-- the macro named $3 with id $4.
-- name: list-macros
SELECT m.id, m.name, m.body, m.actions, COALESCE(m.team_id, 0), COALESCE(t.name, ''), COALESCE(m.owner_id, 0),
       COALESCE(u.email, ''), m.usage_count, m.created_at, m.updated_at
FROM macros m LEFT JOIN teams t ON t.id = m.team_id LEFT JOIN users u ON u.id = m.owner_id
WHERE ($2 OR m.owner_id = $1
       OR (m.owner_id IS NULL AND m.team_id IS NULL)
       OR m.team_id IN (SELECT team_id FROM team_members WHERE user_id = $1))
  AND (lower(m.name) > lower($3) OR (lower(m.name) = lower($3) AND m.id > $4))
ORDER BY lower(m.name), m.id
LIMIT $5;

-- name: count-use
UPDATE macros SET usage_count = usage_count + 1 WHERE id = $1;

-- name: insert-view
INSERT INTO views (owner_id, name, query, sort, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id;

-- name: select-view
SELECT id, owner_id, name, query, sort, created_at FROM views WHERE id = $1;

-- name: list-views
SELECT id, owner_id, name, query, sort, created_at FROM views
WHERE owner_id IS NULL OR owner_id = $1
ORDER BY owner_id IS NOT NULL, position, lower(name), id;

-- name: delete-view
DELETE FROM views WHERE id = $1;

-- name: rename-view
UPDATE views SET name = $2, updated_at = $3 WHERE id = $1;

-- name: insert-canned
INSERT INTO canned_responses (owner_id, name, body, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id;

-- name: select-canned
SELECT id, owner_id, name, body, updated_at FROM canned_responses WHERE id = $1;

-- name: list-canned
SELECT id, owner_id, name, body, updated_at FROM canned_responses
WHERE owner_id IS NULL OR owner_id = $1
ORDER BY lower(name), id;

-- name: update-canned
UPDATE canned_responses SET name = $2, body = $3, updated_at = $4 WHERE id = $1;

-- name: delete-canned
DELETE FROM canned_responses WHERE id = $1;

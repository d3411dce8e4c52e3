-- name: insert-token
INSERT INTO api_tokens (user_id, name, token_hash, prefix, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id;

-- name: select-token
SELECT k.id, k.user_id, u.email, k.name, k.prefix, k.scopes, k.created_at, k.last_used_at, k.revoked_at
FROM api_tokens k JOIN users u ON u.id = k.user_id WHERE k.id = $1;

-- name: select-token-by-hash
SELECT k.id, k.user_id, u.email, k.name, k.prefix, k.scopes, k.created_at, k.last_used_at, k.revoked_at
FROM api_tokens k JOIN users u ON u.id = k.user_id WHERE k.token_hash = $1;

-- name: list-tokens
SELECT k.id, k.user_id, u.email, k.name, k.prefix, k.scopes, k.created_at, k.last_used_at, k.revoked_at
FROM api_tokens k JOIN users u ON u.id = k.user_id
WHERE ($1 = 0 OR k.user_id = $1) AND k.id > $2
ORDER BY k.id LIMIT $3;

-- name: touch-token
UPDATE api_tokens SET last_used_at = $2 WHERE id = $1;

-- name: revoke-token
UPDATE api_tokens SET revoked_at = $2 WHERE id = $1;

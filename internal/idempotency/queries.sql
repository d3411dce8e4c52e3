-- name: claim
INSERT INTO idempotency_keys (user_id, key, request_hash, status, created_at) VALUES ($1, $2, $3, 0, $4)
ON CONFLICT DO NOTHING;

-- name: select
SELECT request_hash, status, headers, body, created_at FROM idempotency_keys WHERE user_id = $1 AND key = $2;

-- name: reclaim
UPDATE idempotency_keys SET created_at = $3 WHERE user_id = $1 AND key = $2 AND status = 0 AND created_at = $4;

-- name: complete
UPDATE idempotency_keys SET status = $3, headers = $4, body = $5 WHERE user_id = $1 AND key = $2;

-- name: release
DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2;

-- name: expire
DELETE FROM idempotency_keys WHERE created_at < $1;

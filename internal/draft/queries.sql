-- name: select-draft
SELECT kind, body, updated_at FROM drafts WHERE user_id = $1 AND ticket_id = $2;

-- name: upsert-draft
INSERT INTO drafts (user_id, ticket_id, kind, body, updated_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (user_id, ticket_id) DO UPDATE SET kind = excluded.kind, body = excluded.body, updated_at = excluded.updated_at;

-- name: delete-draft
DELETE FROM drafts WHERE user_id = $1 AND ticket_id = $2;

-- name: delete-draft-by-number
DELETE FROM drafts WHERE user_id = $1 AND ticket_id = (SELECT id FROM tickets WHERE number = $2);

-- name: prune-drafts
DELETE FROM drafts WHERE updated_at < $1;

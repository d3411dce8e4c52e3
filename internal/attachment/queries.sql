-- name: insert-attachment
INSERT INTO attachments (id, sha256, filename, content_type, size, uploader_id, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: select-attachment
SELECT a.id, a.sha256, a.filename, a.content_type, a.size, COALESCE(a.uploader_id, 0), a.message_id, a.created_at,
       m.internal, t.number
FROM attachments a
LEFT JOIN messages m ON m.id = a.message_id
LEFT JOIN tickets t ON t.id = m.ticket_id
WHERE a.id = $1;

-- name: blob-exists
SELECT 1 FROM attachment_blobs WHERE sha256 = $1;

-- name: insert-blob
INSERT INTO attachment_blobs (sha256, data, size, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (sha256) DO NOTHING;

-- name: select-blob
SELECT data FROM attachment_blobs WHERE sha256 = $1;

-- name: delete-blob
DELETE FROM attachment_blobs WHERE sha256 = $1;

-- name: lock-content
-- Serializes the writes that decide whether a content is still used (a new
-- attachment row naming it; pruning the last row that did). SQLite needs
-- nothing: its write transactions begin IMMEDIATE and so run one at a time.
SELECT $1;

-- name: unattached
SELECT id, sha256 FROM attachments WHERE message_id IS NULL AND created_at < $1 ORDER BY created_at, id LIMIT 100;

-- name: delete-unattached
DELETE FROM attachments WHERE id = $1 AND message_id IS NULL;

-- name: content-used
SELECT COUNT(*) FROM attachments WHERE sha256 = $1;

-- name: mentionable
SELECT id, email, role FROM users WHERE active = TRUE AND role IN ('agent', 'admin') ORDER BY id;

-- name: insert-notification
INSERT INTO notifications (user_id, kind, ticket_id, message_id, actor_id, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT DO NOTHING;

-- name: list-notifications
SELECT n.id, n.kind, n.created_at, n.read_at IS NOT NULL, t.number, t.type, t.subject, m.uid,
       COALESCE(u.name, ''), COALESCE(u.email, '')
FROM notifications n
JOIN messages m ON m.id = n.message_id
JOIN tickets t ON t.id = m.ticket_id
LEFT JOIN users u ON u.id = n.actor_id
WHERE n.user_id = $1 AND n.id < $2
ORDER BY n.id DESC
LIMIT $3;

-- name: count-unread
SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL;

-- name: mark-read
UPDATE notifications SET read_at = $3 WHERE id = $1 AND user_id = $2 AND read_at IS NULL;

-- name: mark-all-read
UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL;

-- name: get-mention-email
SELECT mention_email FROM notification_settings WHERE user_id = $1;

-- name: set-mention-email
INSERT INTO notification_settings (user_id, mention_email, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (user_id) DO UPDATE SET mention_email = excluded.mention_email, updated_at = excluded.updated_at;

-- name: notified-user
SELECT id, email, role, active FROM users WHERE id = $1;

-- name: ticket-number
SELECT number FROM tickets WHERE id = $1;

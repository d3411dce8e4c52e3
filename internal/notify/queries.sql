-- name: mentionable
SELECT id, email, role FROM users WHERE active = TRUE AND role IN ('agent', 'admin') ORDER BY id;

-- name: message-author
-- quietMessage: whether a message is a note (with its text, for its
-- mentions), who wrote it, and who asked on the event's ticket.
SELECT m.internal, m.author_id, t.requester_id, CASE WHEN m.internal THEN m.body ELSE '' END
FROM messages m, tickets t
WHERE m.id = $1 AND t.id = $2;

-- name: insert-notification
INSERT INTO notifications (user_id, kind, ticket_id, message_id, actor_id, event_id, created_at, in_app, digest, emailed_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT DO NOTHING;

-- name: select-notifications
-- The base of the list and of the digest's items: New appends which rows
-- (shown in the app; waiting for the digest), the reader's visibility, the
-- keyset and the order. The ticket is the one the message is on now (after
-- a merge, the survivor), else the one the notification was raised on.
SELECT n.id, n.kind, n.created_at, n.read_at IS NOT NULL, t.number, t.type, t.subject, COALESCE(m.uid, ''),
       COALESCE(u.name, ''), COALESCE(u.email, '')
FROM notifications n
LEFT JOIN messages m ON m.id = n.message_id
JOIN tickets t ON t.id = COALESCE(m.ticket_id, n.ticket_id)
LEFT JOIN users u ON u.id = n.actor_id
WHERE n.user_id = $1

-- name: count-unread-base
SELECT COUNT(*)
FROM notifications n
LEFT JOIN messages m ON m.id = n.message_id
JOIN tickets t ON t.id = COALESCE(m.ticket_id, n.ticket_id)
WHERE n.user_id = $1 AND n.in_app = TRUE AND n.read_at IS NULL

-- name: mark-read
UPDATE notifications SET read_at = $3 WHERE id = $1 AND user_id = $2 AND read_at IS NULL;

-- name: mark-all-read
UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL;

-- name: notification-owner
SELECT user_id FROM notifications WHERE id = $1;

-- name: get-preferences
SELECT kind, in_app, email FROM notification_preferences WHERE user_id = $1;

-- name: set-preference
INSERT INTO notification_preferences (user_id, kind, in_app, email, updated_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (user_id, kind) DO UPDATE SET in_app = excluded.in_app, email = excluded.email, updated_at = excluded.updated_at;

-- name: notified-user
SELECT id, email, name, role, active FROM users WHERE id = $1;

-- name: user-by-email
SELECT id FROM users WHERE lower(email) = lower($1) AND active = TRUE AND role IN ('agent', 'admin');

-- name: team-members
SELECT m.user_id FROM team_members m JOIN users u ON u.id = m.user_id
WHERE m.team_id = $1 AND u.active = TRUE AND u.role IN ('agent', 'admin') ORDER BY m.user_id;

-- name: team-leads
SELECT m.user_id FROM team_members m JOIN users u ON u.id = m.user_id
WHERE m.team_id = $1 AND m.lead = TRUE AND u.active = TRUE ORDER BY m.user_id;

-- name: agent-followers
SELECT f.user_id FROM ticket_followers f JOIN users u ON u.id = f.user_id
WHERE f.ticket_id = $1 AND u.active = TRUE AND u.role IN ('agent', 'admin') ORDER BY f.user_id;

-- name: sla-policy-escalation
SELECT escalation FROM sla_policies WHERE id = $1;

-- name: digest-pending-users
-- The people with notifications waiting for their digest, and their time
-- zone.
SELECT u.id, u.timezone FROM users u
WHERE u.active = TRUE AND EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = u.id AND n.digest = TRUE
    AND n.emailed_at IS NULL AND n.read_at IS NULL)
ORDER BY u.id;

-- name: digest-sent
SELECT COUNT(*) FROM notification_digests WHERE user_id = $1 AND day = $2;

-- name: claim-digest
INSERT INTO notification_digests (user_id, day, sent_at, count) VALUES ($1, $2, $3, 0)
ON CONFLICT DO NOTHING;

-- name: digest-done
UPDATE notifications SET emailed_at = $2 WHERE user_id = $1 AND digest = TRUE AND emailed_at IS NULL AND created_at <= $3;

-- name: digest-count
UPDATE notification_digests SET count = $3 WHERE user_id = $1 AND day = $2;

-- name: later-ticket-changes
-- The payloads of a ticket's events after one: what changed since.
SELECT payload FROM domain_events
WHERE subject_type = 'ticket' AND subject_id = $1 AND id > $2 AND kind IN ('ticket.updated', 'ticket.assigned', 'message.created')
ORDER BY id;

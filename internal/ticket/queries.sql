-- name: next-ticket-number
UPDATE counters SET value = value + 1 WHERE name = 'ticket_number' RETURNING value;

-- name: reserve-ticket-numbers
-- The importer's batch of $1 numbers: the last one is returned.
UPDATE counters SET value = value + $1 WHERE name = 'ticket_number' RETURNING value;

-- name: select-tickets
SELECT t.id, t.uid, t.number, t.type, t.subject, t.status, t.resolution, t.solution, t.priority, t.impact, t.urgency,
       COALESCE(t.category_id, 0), COALESCE(c.name, ''), COALESCE(t.team_id, 0), COALESCE(tm.name, ''),
       COALESCE(tm.restricted, FALSE), COALESCE(t.assignee_id, 0), COALESCE(a.email, ''), COALESCE(a.name, ''),
       t.requester_id, r.email, r.name, COALESCE(t.organization_id, 0), COALESCE(o.name, ''),
       t.channel, t.custom_fields, t.tags, COALESCE(mt.number, 0), t.version, t.due_at, t.created_at, t.updated_at,
       t.first_response_at, t.resolved_at, t.closed_at,
       EXISTS (SELECT 1 FROM satisfaction_ratings sr WHERE sr.ticket_id = t.id)
FROM tickets t
LEFT JOIN users r ON r.id = t.requester_id
LEFT JOIN categories c ON c.id = t.category_id
LEFT JOIN teams tm ON tm.id = t.team_id
LEFT JOIN users a ON a.id = t.assignee_id
LEFT JOIN organizations o ON o.id = t.organization_id
LEFT JOIN tickets mt ON mt.id = t.merged_into_id
WHERE TRUE;

-- name: insert-ticket
INSERT INTO tickets (uid, number, type, subject, status, priority, impact, urgency, category_id, team_id, assignee_id,
                     requester_id, organization_id, channel, custom_fields, tags, created_at, updated_at, mailbox_id, due_at, warn_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18, $19, $20)
RETURNING id;

-- name: import-ticket
INSERT INTO tickets (uid, number, type, subject, status, resolution, solution, priority, impact, urgency, category_id, team_id,
                     assignee_id, requester_id, organization_id, channel, custom_fields, tags, version, created_at, updated_at,
                     first_response_at, resolved_at, closed_at, mailbox_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)
RETURNING id;

-- name: insert-event
INSERT INTO ticket_events (ticket_id, actor_id, actor_name, at, field, old_value, new_value) VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: list-events
SELECT e.id, e.at, COALESCE(u.email, ''), COALESCE(u.name, e.actor_name), e.field, e.old_value, e.new_value
FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_id
WHERE e.ticket_id = $1 AND e.id > $2
ORDER BY e.id
LIMIT $3;

-- name: insert-tag
INSERT INTO ticket_tags (ticket_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING;

-- name: delete-tag
DELETE FROM ticket_tags WHERE ticket_id = $1 AND tag = $2;

-- name: insert-follower
INSERT INTO ticket_followers (ticket_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING;

-- name: delete-follower
DELETE FROM ticket_followers WHERE ticket_id = $1 AND user_id = $2;

-- name: list-followers
SELECT u.id, u.email, u.name FROM ticket_followers f JOIN users u ON u.id = f.user_id
WHERE f.ticket_id = $1 ORDER BY lower(u.email);

-- name: insert-message
INSERT INTO messages (uid, ticket_id, author_id, internal, body, body_html, format, channel, message_id, threading, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
RETURNING id;

-- name: list-messages
SELECT m.id, m.uid, m.internal, m.body, m.body_html, m.format, m.channel, m.message_id, m.threading, m.created_at,
       u.id, u.email, u.name
FROM messages m JOIN users u ON u.id = m.author_id
WHERE m.ticket_id = $1 AND m.id > $2 AND ($3 = TRUE OR m.internal = FALSE)
ORDER BY m.id
LIMIT $4;

-- name: select-message
SELECT m.id, m.uid, m.internal, m.body, m.body_html, m.format, m.channel, m.message_id, m.threading, m.created_at,
       u.id, u.email, u.name
FROM messages m JOIN users u ON u.id = m.author_id
WHERE m.id = $1;

-- name: move-messages
UPDATE messages SET ticket_id = $2 WHERE ticket_id = $1;

-- name: bind-attachment
UPDATE attachments SET message_id = $2 WHERE id = $1 AND message_id IS NULL AND uploader_id = $3;

-- name: insert-search-doc
INSERT INTO search_docs (ticket_id, message_id, internal, body, terms) VALUES ($1, $2, $3, $4, $5);

-- name: update-subject-doc
UPDATE search_docs SET body = $2, terms = $3 WHERE ticket_id = $1 AND message_id IS NULL;

-- name: unindexed-search-docs
SELECT id, body FROM search_docs WHERE terms IS NULL ORDER BY id LIMIT $1;

-- name: index-search-doc
UPDATE search_docs SET terms = $2 WHERE id = $1 AND terms IS NULL;

-- name: move-search-docs
UPDATE search_docs SET ticket_id = $2 WHERE ticket_id = $1 AND message_id IS NOT NULL;

-- name: insert-link
INSERT INTO ticket_links (ticket_id, other_id, link_type, created_by, created_at) VALUES ($1, $2, $3, $4, $5);

-- name: count-link
SELECT COUNT(*) FROM ticket_links
WHERE (ticket_id = $1 AND other_id = $2) OR (ticket_id = $2 AND other_id = $1);

-- name: list-links
SELECT l.link_type, l.ticket_id, l.other_id, a.number, a.subject, a.status, b.number, b.subject, b.status,
       COALESCE(a.team_id, 0), COALESCE(b.team_id, 0)
FROM ticket_links l JOIN tickets a ON a.id = l.ticket_id JOIN tickets b ON b.id = l.other_id
WHERE l.ticket_id = $1 OR l.other_id = $1
ORDER BY l.id;

-- name: move-links
UPDATE ticket_links SET ticket_id = $2 WHERE ticket_id = $1 AND other_id <> $2
  AND NOT EXISTS (SELECT 1 FROM ticket_links x WHERE (x.ticket_id = $2 AND x.other_id = ticket_links.other_id)
                                               OR (x.other_id = $2 AND x.ticket_id = ticket_links.other_id));

-- name: move-links-other
UPDATE ticket_links SET other_id = $2 WHERE other_id = $1 AND ticket_id <> $2
  AND NOT EXISTS (SELECT 1 FROM ticket_links x WHERE (x.ticket_id = $2 AND x.other_id = ticket_links.ticket_id)
                                               OR (x.other_id = $2 AND x.ticket_id = ticket_links.ticket_id));

-- name: merged-from
SELECT number FROM tickets WHERE merged_into_id = $1 ORDER BY number;

-- name: insert-category
INSERT INTO categories (name, description, active, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id;

-- name: select-category
SELECT id, name, description, active, created_at, updated_at FROM categories WHERE id = $1;

-- name: select-category-by-name
SELECT id, name, description, active, created_at, updated_at FROM categories WHERE lower(name) = lower($1);

-- name: list-categories
SELECT id, name, description, active, created_at, updated_at FROM categories WHERE id > $1 ORDER BY id LIMIT $2;

-- name: update-category
UPDATE categories SET name = $2, description = $3, active = $4, updated_at = $5 WHERE id = $1;

-- name: insert-custom-field
INSERT INTO custom_fields (key, label, field_type, options, required, ticket_type, category_id, position, active, created_at, updated_at,
                           requester_visible)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)
RETURNING id;

-- name: select-custom-field
SELECT f.id, f.key, f.label, f.field_type, f.options, f.required, f.ticket_type, COALESCE(f.category_id, 0),
       COALESCE(c.name, ''), f.position, f.active, f.created_at, f.updated_at, f.requester_visible
FROM custom_fields f LEFT JOIN categories c ON c.id = f.category_id
WHERE f.id = $1;

-- name: list-custom-fields
SELECT f.id, f.key, f.label, f.field_type, f.options, f.required, f.ticket_type, COALESCE(f.category_id, 0),
       COALESCE(c.name, ''), f.position, f.active, f.created_at, f.updated_at, f.requester_visible
FROM custom_fields f LEFT JOIN categories c ON c.id = f.category_id
ORDER BY f.position, f.id;

-- name: teams-hidden-from
-- The restricted teams user $1 is not a member of: whose tickets they see
-- only when assigned (countVisibility).
SELECT id FROM teams WHERE restricted = TRUE
AND id NOT IN (SELECT team_id FROM team_members WHERE user_id = $1)
ORDER BY id;

-- name: custom-fields-mark
-- Moves with every change of a custom field or a category (a field names
-- its category): the field cache's check.
SELECT (SELECT COUNT(*) FROM custom_fields), (SELECT COALESCE(MAX(updated_at), 0) FROM custom_fields),
       (SELECT COUNT(*) FROM categories), (SELECT COALESCE(MAX(updated_at), 0) FROM categories);

-- name: update-custom-field
UPDATE custom_fields SET label = $2, options = $3, required = $4, ticket_type = $5, category_id = $6, position = $7,
       active = $8, updated_at = $9, requester_visible = $10
WHERE id = $1;

-- name: attachments-of-message
SELECT id, filename, content_type, size, message_id FROM attachments WHERE message_id = $1 ORDER BY created_at, id;

-- name: attachments-of-messages
SELECT id, filename, content_type, size, message_id FROM attachments
WHERE message_id BETWEEN $1 AND $2
ORDER BY created_at, id;

-- name: delete-links-of
DELETE FROM ticket_links WHERE ticket_id = $1 OR other_id = $1;

-- name: lock-tickets
SELECT id FROM tickets WHERE number IN ($1, $2) ORDER BY id;

-- name: put-ticket-state
INSERT INTO ticket_state (ticket_id, key, value, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (ticket_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at;

-- name: get-ticket-state
SELECT value FROM ticket_state WHERE ticket_id = $1 AND key = $2;

-- name: find-link
SELECT id, ticket_id, link_type FROM ticket_links
WHERE (ticket_id = $1 AND other_id = $2) OR (ticket_id = $2 AND other_id = $1);

-- name: delete-link
DELETE FROM ticket_links WHERE id = $1;

-- name: ticket-number-by-uid
SELECT number FROM tickets WHERE uid = $1;

-- name: requester-reach
SELECT EXISTS (SELECT 1 FROM ticket_followers WHERE user_id = $1),
       EXISTS (SELECT 1 FROM organizations WHERE id = $2 AND shared_tickets = TRUE);

-- name: insert-time-rule
INSERT INTO time_rules (name, position, enabled, since, minutes, calendar_id, conditions, actions, author_id, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
RETURNING id;

-- name: update-time-rule
UPDATE time_rules SET name = $2, position = $3, enabled = $4, since = $5, minutes = $6, calendar_id = $7, conditions = $8,
    actions = $9, author_id = $10, updated_at = $11
WHERE id = $1;

-- name: delete-time-rule
DELETE FROM time_rules WHERE id = $1;

-- name: get-time-rule
SELECT r.id, r.name, r.position, r.enabled, r.since, r.minutes, COALESCE(r.calendar_id, 0), r.conditions, r.actions,
       COALESCE(r.builtin, ''), COALESCE(r.author_id, 0), COALESCE(u.email, ''), r.created_at, r.updated_at
FROM time_rules r LEFT JOIN users u ON u.id = r.author_id
WHERE r.id = $1;

-- name: time-rule-by-name
SELECT id FROM time_rules WHERE lower(name) = lower($1);

-- name: list-time-rules
SELECT r.id, r.name, r.position, r.enabled, r.since, r.minutes, COALESCE(r.calendar_id, 0), r.conditions, r.actions,
       COALESCE(r.builtin, ''), COALESCE(r.author_id, 0), COALESCE(u.email, ''), r.created_at, r.updated_at
FROM time_rules r LEFT JOIN users u ON u.id = r.author_id
WHERE (r.position > $1 OR (r.position = $1 AND r.id > $2))
ORDER BY r.position, r.id LIMIT $3;

-- name: enabled-time-rules
SELECT r.id, r.name, r.position, r.enabled, r.since, r.minutes, COALESCE(r.calendar_id, 0), r.conditions, r.actions,
       COALESCE(r.builtin, ''), COALESCE(r.author_id, 0), '', r.created_at, r.updated_at
FROM time_rules r WHERE r.enabled ORDER BY r.position, r.id;

-- name: next-time-rule-position
SELECT COALESCE(MAX(position), 0) + 1 FROM time_rules;

-- name: time-rules-using-calendar
SELECT COUNT(*) FROM time_rules WHERE calendar_id = $1;

-- name: insert-fire
INSERT INTO time_rule_fires (rule_id, ticket_id, occurrence, outcome, detail, at) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (rule_id, ticket_id, occurrence) DO NOTHING;

-- name: list-fires
SELECT COALESCE(t.number, 0), f.occurrence, f.outcome, f.detail, f.at
FROM time_rule_fires f JOIN tickets t ON t.id = f.ticket_id
WHERE f.rule_id = $1 AND ($2 = 0 OR f.at < $2)
ORDER BY f.at DESC LIMIT $3;

-- name: moments-created
INSERT INTO ticket_moments (ticket_id, status_changed_at, assigned_at, requester_message_at, agent_reply_at)
VALUES ($1, $2, $2, $3, NULL)
ON CONFLICT (ticket_id) DO NOTHING;

-- name: moments-status
UPDATE ticket_moments SET status_changed_at = $2 WHERE ticket_id = $1;

-- name: moments-assigned
UPDATE ticket_moments SET assigned_at = $2 WHERE ticket_id = $1;

-- name: moments-requester
UPDATE ticket_moments SET requester_message_at = $2 WHERE ticket_id = $1;

-- name: moments-agent
UPDATE ticket_moments SET agent_reply_at = $2 WHERE ticket_id = $1;

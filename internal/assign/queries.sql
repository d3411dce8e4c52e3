-- Active tickets (every status but resolved and closed) count against an
-- agent's cap; a team's waiting tickets are its unassigned active ones.

-- name: lock-assignment
-- SQLite has one writer: transactions assigning tickets already take turns.
SELECT 1;

-- name: team-settings
SELECT id, name, assign_strategy, assign_cap, COALESCE(assign_last_user, 0) FROM teams WHERE id = $1;

-- name: set-team-settings
UPDATE teams SET assign_strategy = $2, assign_cap = $3, updated_at = $4 WHERE id = $1;

-- name: set-last-user
UPDATE teams SET assign_last_user = $2 WHERE id = $1;

-- name: team-members
SELECT u.id, u.email, u.name, u.role, u.active, u.skills, m.assign_cap, COALESCE(a.availability, 'available'),
       (SELECT COUNT(*) FROM tickets t WHERE t.assignee_id = u.id AND t.status IN ('new', 'open', 'pending', 'on_hold'))
FROM team_members m
JOIN users u ON u.id = m.user_id
LEFT JOIN agent_availability a ON a.user_id = u.id
WHERE m.team_id = $1
ORDER BY u.id;

-- name: is-member
SELECT COUNT(*) FROM team_members WHERE team_id = $1 AND user_id = $2;

-- name: set-member-cap
UPDATE team_members SET assign_cap = $3 WHERE team_id = $1 AND user_id = $2;

-- name: user-skills
SELECT skills FROM users WHERE id = $1;

-- name: set-user-skills
UPDATE users SET skills = $2, updated_at = $3 WHERE id = $1;

-- name: availability
SELECT COALESCE(a.availability, 'available'), COALESCE(a.auto_away, FALSE), COALESCE(a.changed_at, u.created_at),
       COALESCE(a.last_active_at, u.created_at)
FROM users u LEFT JOIN agent_availability a ON a.user_id = u.id
WHERE u.id = $1;

-- name: ensure-availability
INSERT INTO agent_availability (user_id, availability, auto_away, changed_at, last_active_at)
SELECT id, 'available', FALSE, created_at, created_at FROM users WHERE id = $1
ON CONFLICT (user_id) DO NOTHING;

-- name: set-availability
UPDATE agent_availability SET availability = $2, auto_away = $3, changed_at = $4, last_active_at = $4 WHERE user_id = $1;

-- name: mark-away
UPDATE agent_availability SET availability = 'away', auto_away = TRUE, changed_at = $2
WHERE user_id = $1 AND availability = 'available' AND last_active_at < $3;

-- name: touch
INSERT INTO agent_availability (user_id, availability, auto_away, changed_at, last_active_at)
VALUES ($1, 'available', FALSE, $2, $2)
ON CONFLICT (user_id) DO UPDATE SET last_active_at = excluded.last_active_at
RETURNING availability, auto_away;

-- name: idle-agents
SELECT u.id FROM users u LEFT JOIN agent_availability a ON a.user_id = u.id
WHERE u.role IN ('agent', 'admin') AND u.active AND COALESCE(a.availability, 'available') = 'available'
  AND COALESCE(a.last_active_at, u.created_at) < $1
ORDER BY u.id
LIMIT 500;

-- name: waiting-tickets
SELECT number FROM tickets
WHERE team_id = $1 AND assignee_id IS NULL AND status IN ('new', 'open', 'pending', 'on_hold')
ORDER BY created_at, id
LIMIT $2;

-- name: teams-of-agent
SELECT t.id FROM team_members m JOIN teams t ON t.id = m.team_id
WHERE m.user_id = $1 AND t.assign_strategy <> 'off'
ORDER BY t.id;

-- name: member-caps
SELECT u.email, m.assign_cap FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = $1 ORDER BY lower(u.email);

-- name: user-role
SELECT email, role, active FROM users WHERE id = $1;

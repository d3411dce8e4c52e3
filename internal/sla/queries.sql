-- name: insert-policy
INSERT INTO sla_policies (name, position, enabled, calendar_id, conditions, targets, warn_percent, escalation, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
RETURNING id;

-- name: update-policy
UPDATE sla_policies SET name = $2, enabled = $3, calendar_id = $4, conditions = $5, targets = $6, warn_percent = $7,
    escalation = $8, updated_at = $9
WHERE id = $1;

-- name: set-policy-position
UPDATE sla_policies SET position = $2 WHERE id = $1;

-- name: delete-policy
DELETE FROM sla_policies WHERE id = $1;

-- name: select-policy
SELECT p.id, p.name, p.position, p.enabled, p.calendar_id, c.name, p.conditions, p.targets, p.warn_percent, p.escalation,
       p.created_at, p.updated_at
FROM sla_policies p JOIN calendars c ON c.id = p.calendar_id
WHERE p.id = $1;

-- name: select-policy-by-name
SELECT id FROM sla_policies WHERE lower(name) = lower($1);

-- name: list-policies
-- Every policy in order, after the position cursor.
SELECT p.id, p.name, p.position, p.enabled, p.calendar_id, c.name, p.conditions, p.targets, p.warn_percent, p.escalation,
       p.created_at, p.updated_at
FROM sla_policies p JOIN calendars c ON c.id = p.calendar_id
WHERE p.position > $1
ORDER BY p.position, p.id
LIMIT $2;

-- name: policies-mark
-- Moves with every policy or calendar change, and when the first clock is
-- written: the cache's check. The last is whether any clock exists (the
-- first row of the table).
SELECT (SELECT COUNT(*) FROM sla_policies), (SELECT COALESCE(MAX(updated_at), 0) FROM sla_policies),
       (SELECT COUNT(*) FROM calendars), (SELECT COALESCE(MAX(updated_at), 0) FROM calendars),
       (SELECT COUNT(*) FROM (SELECT 1 FROM sla_clocks LIMIT 1) c);

-- name: policy-order
SELECT id, position FROM sla_policies ORDER BY position, id;

-- name: count-policy-tickets
-- Scans the clocks (no index on policy_id: a policy deletion is rare, a
-- ticket write is not).
SELECT COUNT(DISTINCT ticket_id) FROM sla_clocks WHERE policy_id = $1;

-- name: policy-open-tickets
-- The next batch of open tickets with a clock of policy $1, after ticket
-- $2, in id order (the clocks' primary key).
SELECT DISTINCT c.ticket_id FROM sla_clocks c JOIN tickets t ON t.id = c.ticket_id
WHERE c.policy_id = $1 AND c.ticket_id > $2 AND t.status IN ('new', 'open', 'pending', 'on_hold')
ORDER BY c.ticket_id LIMIT $3;

-- name: count-calendar-policies
SELECT COUNT(*) FROM sla_policies WHERE calendar_id = $1;

-- name: calendar-hours
SELECT time_zone, intervals, holidays, updated_at FROM calendars WHERE id = $1;

-- name: ticket-clocks
SELECT target, COALESCE(policy_id, 0), goal_minutes, started_at, paused_at, paused_minutes, warn_at, due_at, stopped_at,
       warned_at, breached_at, escalated_at
FROM sla_clocks WHERE ticket_id = $1;

-- name: upsert-clock
INSERT INTO sla_clocks (ticket_id, target, policy_id, goal_minutes, started_at, paused_at, paused_minutes, warn_at, due_at,
                        stopped_at, warned_at, breached_at, escalated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT (ticket_id, target) DO UPDATE SET policy_id = excluded.policy_id, goal_minutes = excluded.goal_minutes,
    started_at = excluded.started_at, paused_at = excluded.paused_at, paused_minutes = excluded.paused_minutes,
    warn_at = excluded.warn_at, due_at = excluded.due_at, stopped_at = excluded.stopped_at,
    warned_at = excluded.warned_at, breached_at = excluded.breached_at, escalated_at = excluded.escalated_at;

-- name: delete-clock
DELETE FROM sla_clocks WHERE ticket_id = $1 AND target = $2;

-- name: set-ticket-due
-- The earliest due time of the ticket's running clocks, for the queue, and
-- the earliest warning of those not breached, for "At risk"; never the
-- version (ETag) or updated_at.
UPDATE tickets SET due_at = $2, warn_at = $3 WHERE id = $1;

-- name: lock-ticket
SELECT number, COALESCE(team_id, 0) FROM tickets WHERE id = $1;

-- name: warn-clock
-- Only one writer wins: the warning is recorded once, and only while the
-- clock still warns at the time the timer was set for.
UPDATE sla_clocks SET warned_at = $4
WHERE ticket_id = $1 AND target = $2 AND warn_at = $3 AND warned_at IS NULL
RETURNING target, COALESCE(policy_id, 0), goal_minutes, started_at, paused_at, paused_minutes, warn_at, due_at, stopped_at,
          warned_at, breached_at, escalated_at;

-- name: breach-clock
-- The timer's breach, escalated in the same transaction: once.
UPDATE sla_clocks SET breached_at = $3, escalated_at = $4
WHERE ticket_id = $1 AND target = $2 AND due_at = $3 AND breached_at IS NULL;

-- name: escalate-clock
-- A breach recorded when the clock stopped, escalated by the timer: once.
UPDATE sla_clocks SET escalated_at = $3
WHERE ticket_id = $1 AND target = $2 AND breached_at IS NOT NULL AND escalated_at IS NULL;

-- name: clocks-of-tickets
SELECT ticket_id, target, COALESCE(policy_id, 0), goal_minutes, started_at, paused_at, paused_minutes, warn_at, due_at,
       stopped_at, warned_at, breached_at, escalated_at
FROM sla_clocks WHERE ticket_id IN (SELECT value FROM json_each($1));

-- name: policy-names
SELECT p.id, p.name, p.calendar_id, p.warn_percent, p.escalation FROM sla_policies p;

-- name: timer-scan-horizon
-- Up to where the timer scan has queued timers (scan.go).
SELECT horizon FROM sla_timer_scan WHERE id = 1;

-- name: set-timer-scan-horizon
UPDATE sla_timer_scan SET horizon = $1 WHERE id = 1;

-- name: tickets-due-between
-- The tickets with a warning or due time in ($1, $2]: a range of
-- tickets_warn and one of tickets_due.
SELECT id, warn_at, due_at FROM tickets WHERE warn_at > $1 AND warn_at <= $2
UNION
SELECT id, warn_at, due_at FROM tickets WHERE due_at > $1 AND due_at <= $2;

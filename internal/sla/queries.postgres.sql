-- name: lock-ticket
-- The ticket's row lock, taken before its clocks are read: ticket writers
-- take it first too, so a timer and a reply queue instead of racing.
SELECT number, COALESCE(team_id, 0) FROM tickets WHERE id = $1 FOR UPDATE;

-- name: clocks-of-tickets
SELECT ticket_id, target, COALESCE(policy_id, 0), goal_minutes, started_at, paused_at, paused_minutes, warn_at, due_at,
       stopped_at, warned_at, breached_at, escalated_at
FROM sla_clocks WHERE ticket_id IN (SELECT json_array_elements_text($1::json)::bigint);

-- name: timer-scan-horizon
-- Up to where the timer scan has queued timers (scan.go); locked, so two
-- scans run one after the other.
SELECT horizon FROM sla_timer_scan WHERE id = 1 FOR UPDATE;

-- SLA clocks cheaper to write, and the "At risk" count cheap (issue 10).
--
-- sla_clocks keeps its primary key (ticket_id, target); its secondary
-- indexes go, but for breaches (the "Breached" count and the SLA report),
-- kept partial so that no clock enters it before it breaches. Timers no
-- longer need the warn_at and due_at indexes (they are one job per
-- ticket), "At risk" reads tickets.warn_at below, and stopped_at and
-- policy_id are read only by the SLA report and by admin-time checks
-- (policy deletion, recomputing after a policy edit), which scan.
--   escalated_at  when the breach's escalation ran: set with breached_at
--                 by the timer, later by the timer for a breach found when
--                 the clock stopped; once either way
DROP INDEX sla_clocks_due;
DROP INDEX sla_clocks_warn;
DROP INDEX sla_clocks_stopped;
DROP INDEX sla_clocks_breached;
DROP INDEX sla_clocks_policy;
CREATE INDEX sla_clocks_breached ON sla_clocks (breached_at) WHERE breached_at IS NOT NULL;
ALTER TABLE sla_clocks ADD COLUMN escalated_at BIGINT;
UPDATE sla_clocks SET escalated_at = breached_at WHERE breached_at IS NOT NULL;

-- tickets.warn_at is the earliest warning of the ticket's running clocks
-- that have not breached (NULL when none), written with tickets.due_at. A
-- ticket is at risk when warn_at <= now < due_at, so the "At risk" count
-- walks this index over the tickets whose warning passed and stops there;
-- breached clocks leave it when their breach is recorded.
ALTER TABLE tickets ADD COLUMN warn_at BIGINT;
UPDATE tickets SET warn_at = (SELECT MIN(c.warn_at) FROM sla_clocks c
                              WHERE c.ticket_id = tickets.id AND c.stopped_at IS NULL AND c.breached_at IS NULL)
WHERE due_at IS NOT NULL;
CREATE INDEX tickets_warn ON tickets (warn_at, due_at) WHERE warn_at IS NOT NULL;

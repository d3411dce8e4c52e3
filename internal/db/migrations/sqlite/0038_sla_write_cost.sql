-- SLA clocks cheaper to write, and the "At risk" count cheap (issue 10).
--
-- sla_clocks is rebuilt WITHOUT ROWID, so its primary key (ticket_id,
-- target) is the table itself: one b-tree instead of a table and its key
-- index. Its secondary indexes go, but for breaches (the "Breached" count
-- and the SLA report), kept partial so that no clock enters it before it
-- breaches. Timers no longer need the warn_at and due_at indexes (they are
-- one job per ticket), "At risk" reads tickets.warn_at below, and
-- stopped_at and policy_id are read only by the SLA report and by
-- admin-time checks (policy deletion, recomputing after a policy edit),
-- which scan.
--   escalated_at  when the breach's escalation ran: set with breached_at
--                 by the timer, later by the timer for a breach found when
--                 the clock stopped; once either way
CREATE TABLE sla_clocks_new (
    ticket_id      BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    target         TEXT NOT NULL,
    policy_id      BIGINT REFERENCES sla_policies (id) ON DELETE SET NULL,
    goal_minutes   INTEGER NOT NULL,
    started_at     BIGINT NOT NULL,
    paused_at      BIGINT,
    paused_minutes INTEGER NOT NULL DEFAULT 0,
    warn_at        BIGINT,
    due_at         BIGINT,
    stopped_at     BIGINT,
    warned_at      BIGINT,
    breached_at    BIGINT,
    escalated_at   BIGINT,
    PRIMARY KEY (ticket_id, target)
) WITHOUT ROWID;
INSERT INTO sla_clocks_new (ticket_id, target, policy_id, goal_minutes, started_at, paused_at, paused_minutes, warn_at,
                            due_at, stopped_at, warned_at, breached_at, escalated_at)
SELECT ticket_id, target, policy_id, goal_minutes, started_at, paused_at, paused_minutes, warn_at, due_at, stopped_at,
       warned_at, breached_at, breached_at
FROM sla_clocks;
DROP TABLE sla_clocks;
ALTER TABLE sla_clocks_new RENAME TO sla_clocks;
CREATE INDEX sla_clocks_breached ON sla_clocks (breached_at) WHERE breached_at IS NOT NULL;

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

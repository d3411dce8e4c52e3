-- SLA policies and the clocks they run on tickets (issue 10).
--
-- A policy is chosen by its ordered conditions (the first enabled policy
-- whose conditions all hold applies); it measures business time on one
-- calendar, with targets per priority in business minutes.
--   conditions: JSON list [{"field": "...", "op": "is"|"is_not", "value": ...}]
--               ([] matches every ticket)
--   targets:    JSON list [{"priority": 1..4, "first_response": min,
--               "next_response": min, "resolution": min}]; a target left
--               out (or null) is not measured for that priority
--   escalation: JSON {"notify": bool, "raise_priority": bool, "team_id": n|null}
CREATE TABLE sla_policies (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    position     INTEGER NOT NULL,
    enabled      BOOLEAN NOT NULL DEFAULT TRUE,
    calendar_id  BIGINT NOT NULL REFERENCES calendars (id),
    conditions   TEXT NOT NULL DEFAULT '[]',
    targets      TEXT NOT NULL DEFAULT '[]',
    warn_percent INTEGER NOT NULL DEFAULT 80,
    escalation   TEXT NOT NULL DEFAULT '{}',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX sla_policies_name ON sla_policies (lower(name));

-- One clock per ticket and target ('first_response', 'next_response',
-- 'resolution'), beside the ticket row so that moving a clock never moves
-- the ticket's version (its ETag). Written in the transaction of the
-- change that moves it. Times are microseconds like every other column.
--   goal_minutes    business minutes allowed
--   started_at      when it started (ticket created, requester message)
--   paused_at       set while the ticket is pending or on hold
--   paused_minutes  business minutes spent paused so far (they extend
--                   warn_at and due_at)
--   warn_at, due_at when the warning and the breach fall; NULL while
--                   paused or stopped
--   stopped_at      met or ended (a public agent reply, resolution)
--   warned_at, breached_at  set once, by the timer job or at stop
-- tickets.due_at carries the earliest due_at of the ticket's running
-- clocks, for the queue's sort and the due: query term.
CREATE TABLE sla_clocks (
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
    PRIMARY KEY (ticket_id, target)
);
CREATE INDEX sla_clocks_due ON sla_clocks (due_at);
CREATE INDEX sla_clocks_warn ON sla_clocks (warn_at);
CREATE INDEX sla_clocks_stopped ON sla_clocks (stopped_at);
CREATE INDEX sla_clocks_breached ON sla_clocks (breached_at);
CREATE INDEX sla_clocks_policy ON sla_clocks (policy_id);

-- Team leads are told of breaches (escalation).
ALTER TABLE team_members ADD COLUMN lead BOOLEAN NOT NULL DEFAULT FALSE;

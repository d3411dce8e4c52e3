-- Time rules (issue 11): rules the job runner evaluates every minute over
-- tickets that have been in a state for a while (package automation).
--   since:       the ticket moment the duration runs from: created, updated,
--                status_changed, resolved, requester_message, agent_reply,
--                assigned, due
--   minutes:     the duration, in minutes
--   calendar_id: NULL for calendar time, else business time of that calendar
--   conditions:  JSON {"all": [...], "any": [...]} as triggers have
--   actions:     JSON list as triggers have
--   builtin:     the key of a rule Docket seeds ('close_resolved'), NULL for
--                an admin's own; a built-in rule can be edited, not deleted
--   author_id:   the admin who last saved it: the author of its messages
CREATE TABLE time_rules (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL,
    position    INTEGER NOT NULL,
    enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    since       TEXT NOT NULL,
    minutes     INTEGER NOT NULL,
    calendar_id BIGINT REFERENCES calendars (id),
    conditions  TEXT NOT NULL DEFAULT '{}',
    actions     TEXT NOT NULL DEFAULT '[]',
    builtin     TEXT,
    author_id   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX time_rules_name ON time_rules (lower(name));
CREATE UNIQUE INDEX time_rules_builtin ON time_rules (builtin) WHERE builtin IS NOT NULL;
CREATE INDEX time_rules_position ON time_rules (position, id);

-- What a time rule did to a ticket, once per occurrence: the moment its
-- duration ran from (microseconds), so a ticket that enters the state again
-- (pending again, resolved again) is a new occurrence. The row is written
-- in the transaction of the rule's actions, and its key makes a second
-- instance, or a run after a restart, skip what is done.
--   outcome: applied, or failed (the actions changed nothing; detail says why)
CREATE TABLE time_rule_fires (
    rule_id    BIGINT NOT NULL REFERENCES time_rules (id) ON DELETE CASCADE,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    occurrence BIGINT NOT NULL,
    outcome    TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    at         BIGINT NOT NULL,
    PRIMARY KEY (rule_id, ticket_id, occurrence)
);
CREATE INDEX time_rule_fires_rule_at ON time_rule_fires (rule_id, at);
CREATE INDEX time_rule_fires_ticket ON time_rule_fires (ticket_id);

-- The moments of a ticket time rules measure from that the ticket row does
-- not keep, written by a hook in each ticket write that changes them:
--   status_changed_at     the last change of status (creation at first)
--   assigned_at           the last change of assignee (creation at first)
--   requester_message_at  the requester's last message
--   agent_reply_at        an agent's last public reply
CREATE TABLE ticket_moments (
    ticket_id            BIGINT PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    status_changed_at    BIGINT NOT NULL,
    assigned_at          BIGINT NOT NULL,
    requester_message_at BIGINT,
    agent_reply_at       BIGINT
);
CREATE INDEX ticket_moments_status ON ticket_moments (status_changed_at, ticket_id);
CREATE INDEX ticket_moments_assigned ON ticket_moments (assigned_at, ticket_id);
CREATE INDEX ticket_moments_requester ON ticket_moments (requester_message_at, ticket_id);
CREATE INDEX ticket_moments_agent ON ticket_moments (agent_reply_at, ticket_id);
CREATE INDEX tickets_resolved_at ON tickets (resolved_at, id) WHERE resolved_at IS NOT NULL;

-- The moments of the tickets there are, from their history and messages.
INSERT INTO ticket_moments (ticket_id, status_changed_at, assigned_at, requester_message_at, agent_reply_at)
SELECT t.id,
       COALESCE((SELECT MAX(e.at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.field = 'status'), t.created_at),
       COALESCE((SELECT MAX(e.at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.field = 'assignee'), t.created_at),
       (SELECT MAX(m.created_at) FROM messages m WHERE m.ticket_id = t.id AND m.author_id = t.requester_id),
       (SELECT MAX(m.created_at) FROM messages m JOIN users u ON u.id = m.author_id
        WHERE m.ticket_id = t.id AND m.internal = FALSE AND m.author_id <> t.requester_id AND u.role IN ('agent', 'admin'))
FROM tickets t;

-- "Closed automatically N days after resolved" (PRODUCT.md) is this
-- built-in rule: on, 7 days, editable under Admin → Time rules.
INSERT INTO time_rules (name, position, enabled, since, minutes, conditions, actions, builtin, created_at, updated_at)
VALUES ('Close resolved tickets after 7 days', 1, TRUE, 'resolved', 10080,
        '{"all":[{"field":"status","op":"is","value":"resolved"}],"any":[]}',
        '[{"type":"set","field":"status","value":"closed"}]', 'close_resolved', CAST(EXTRACT(EPOCH FROM now()) * 1000000 AS BIGINT), CAST(EXTRACT(EPOCH FROM now()) * 1000000 AS BIGINT));

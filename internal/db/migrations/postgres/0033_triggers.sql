-- Triggers (issue 11): ordered rules that run on ticket events, each a set
-- of conditions and a list of actions (package automation).
--   events:     JSON list of event kinds the trigger runs on
--   conditions: JSON {"all": [...], "any": [...]}, each {"field", "op", "value"}
--   actions:    JSON list, each {"type", ...}
--   author_id:  the admin who last saved the trigger: the author of the
--               notes and replies it writes (history names the trigger)
CREATE TABLE triggers (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL,
    position   INTEGER NOT NULL,
    enabled    BOOLEAN NOT NULL DEFAULT TRUE,
    events     TEXT NOT NULL DEFAULT '[]',
    conditions TEXT NOT NULL DEFAULT '{}',
    actions    TEXT NOT NULL DEFAULT '[]',
    author_id  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX triggers_name ON triggers (lower(name));
CREATE INDEX triggers_position ON triggers (position, id);

-- What triggers did: one row per trigger that matched an event and acted
-- (outcome 'applied'), failed and changed nothing ('failed'), or was
-- stopped at the end of too long a chain of automatic writes ('too_deep').
CREATE TABLE trigger_runs (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trigger_id BIGINT NOT NULL REFERENCES triggers (id) ON DELETE CASCADE,
    event_id   BIGINT NOT NULL,
    ticket_id  BIGINT REFERENCES tickets (id) ON DELETE CASCADE,
    outcome    TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    at         BIGINT NOT NULL
);
CREATE INDEX trigger_runs_trigger ON trigger_runs (trigger_id, id);
CREATE INDEX trigger_runs_ticket ON trigger_runs (ticket_id);

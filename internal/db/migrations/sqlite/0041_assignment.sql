-- Automatic assignment (issue 11): each team's strategy and cap on active
-- tickets per agent, the round-robin position (the member assigned last),
-- per-member cap overrides, agents' skills and their availability.
--   teams.assign_strategy: off | round_robin | least_loaded | skill
--   teams.assign_cap:      active tickets per agent; 0 means no cap
--   team_members.assign_cap: the member's own cap; NULL takes the team's
--   users.skills:          JSON list of lower-case skills (categories,
--                          tags, languages) the skill strategy matches
ALTER TABLE teams ADD COLUMN assign_strategy TEXT NOT NULL DEFAULT 'off';
ALTER TABLE teams ADD COLUMN assign_cap INTEGER NOT NULL DEFAULT 0;
ALTER TABLE teams ADD COLUMN assign_last_user BIGINT;
ALTER TABLE team_members ADD COLUMN assign_cap INTEGER;
ALTER TABLE users ADD COLUMN skills TEXT NOT NULL DEFAULT '[]';

-- An agent's availability: available, away or off. auto_away marks an
-- away set by the idle job (activity makes such an agent available
-- again); last_active_at is the last request or live page heartbeat. An
-- agent without a row is available and was last active at creation.
CREATE TABLE agent_availability (
    user_id        BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    availability   TEXT NOT NULL DEFAULT 'available',
    auto_away      BOOLEAN NOT NULL DEFAULT FALSE,
    changed_at     BIGINT NOT NULL,
    last_active_at BIGINT NOT NULL
);

-- A team's waiting tickets, oldest first, and an agent's active load.
CREATE INDEX tickets_team_waiting ON tickets (team_id, created_at, id)
    WHERE assignee_id IS NULL AND status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_assignee_active ON tickets (assignee_id)
    WHERE status IN ('new', 'open', 'pending', 'on_hold');

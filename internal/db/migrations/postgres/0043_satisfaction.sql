-- Satisfaction ratings: one per ticket, given by its requester after
-- resolution and changeable for 7 days from created_at. score is the
-- value on the scale it was given on ("good"/"bad" or "1"…"5");
-- sentiment is what the CSAT counts (1 positive, 0 neutral, -1 negative).
-- agent_id and team_id are the ticket's assignee and team when it was
-- rated: the people and team the rating is about.
CREATE TABLE satisfaction_ratings (
    ticket_id    BIGINT PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    requester_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    agent_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    team_id      BIGINT REFERENCES teams (id) ON DELETE SET NULL,
    scale        TEXT NOT NULL,
    score        TEXT NOT NULL,
    sentiment    SMALLINT NOT NULL,
    comment      TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    rated_at     BIGINT NOT NULL
);
CREATE INDEX satisfaction_ratings_rated ON satisfaction_ratings (rated_at);
CREATE INDEX satisfaction_ratings_agent ON satisfaction_ratings (agent_id, rated_at);

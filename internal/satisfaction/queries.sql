-- name: select-setting
SELECT value FROM settings WHERE key = $1;

-- name: put-setting
INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at;

-- name: select-rating
SELECT ticket_id, requester_id, COALESCE(agent_id, 0), COALESCE(team_id, 0), scale, score, sentiment, comment, created_at, rated_at
FROM satisfaction_ratings WHERE ticket_id = $1;

-- name: upsert-rating
INSERT INTO satisfaction_ratings (ticket_id, requester_id, agent_id, team_id, scale, score, sentiment, comment, created_at, rated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
ON CONFLICT (ticket_id) DO UPDATE SET requester_id = excluded.requester_id, agent_id = excluded.agent_id,
    team_id = excluded.team_id, scale = excluded.scale, score = excluded.score, sentiment = excluded.sentiment,
    comment = excluded.comment, rated_at = excluded.rated_at;

-- name: agent-csat
SELECT COUNT(*), COALESCE(SUM(CASE WHEN sentiment > 0 THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN sentiment < 0 THEN 1 ELSE 0 END), 0)
FROM satisfaction_ratings WHERE agent_id = $1 AND rated_at >= $2;

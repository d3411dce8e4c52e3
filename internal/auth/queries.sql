-- name: insert-token
INSERT INTO api_tokens (user_id, name, token_hash, prefix, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id;

-- name: select-token
SELECT k.id, k.user_id, u.email, k.name, k.prefix, k.scopes, k.created_at, k.last_used_at, k.revoked_at
FROM api_tokens k JOIN users u ON u.id = k.user_id WHERE k.id = $1;

-- name: select-token-actor
-- The token by its hash, then its person as user.ScanActor reads them: one
-- row per team, in team order.
SELECT k.id, k.user_id, u.email, k.name, k.prefix, k.scopes, k.created_at, k.last_used_at, k.revoked_at,
       u.id, u.email, u.name, u.role, COALESCE(u.organization_id, 0), u.timezone, u.active, COALESCE(m.team_id, 0)
FROM api_tokens k JOIN users u ON u.id = k.user_id LEFT JOIN team_members m ON m.user_id = u.id
WHERE k.token_hash = $1
ORDER BY m.team_id;

-- name: list-tokens
SELECT k.id, k.user_id, u.email, k.name, k.prefix, k.scopes, k.created_at, k.last_used_at, k.revoked_at
FROM api_tokens k JOIN users u ON u.id = k.user_id
WHERE ($1 = 0 OR k.user_id = $1) AND k.id > $2
ORDER BY k.id LIMIT $3;

-- name: touch-token
UPDATE api_tokens SET last_used_at = $2 WHERE id = $1;

-- name: revoke-token
UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL;

-- name: select-throttle
SELECT failures, delayed_until, updated_at FROM signin_throttle WHERE key = $1;

-- name: count-signin-failure
INSERT INTO signin_throttle (key, failures, delayed_until, updated_at) VALUES ($1, 1, 0, $2)
ON CONFLICT (key) DO UPDATE SET updated_at = excluded.updated_at,
    failures = CASE WHEN signin_throttle.updated_at < $3 THEN 1 ELSE signin_throttle.failures + 1 END
RETURNING failures;

-- name: delay-signin
UPDATE signin_throttle SET delayed_until = $2 WHERE key = $1 AND delayed_until < $2;

-- name: clear-signin-failures
DELETE FROM signin_throttle WHERE key = $1;

-- name: note-signin-alert
INSERT INTO signin_alerts (user_id, failures, first_at, last_at, last_ip, notified_at) VALUES ($1, $4, $2, $2, $3, 0)
ON CONFLICT (user_id) DO UPDATE SET last_at = excluded.last_at, last_ip = excluded.last_ip,
    failures = CASE WHEN excluded.failures > signin_alerts.failures THEN excluded.failures ELSE signin_alerts.failures END
RETURNING failures, notified_at;

-- name: signin-alert-notified
UPDATE signin_alerts SET notified_at = $2 WHERE user_id = $1;

-- name: take-signin-alert
DELETE FROM signin_alerts WHERE user_id = $1 RETURNING failures, first_at, last_at, last_ip;

-- name: insert-session
INSERT INTO sessions (id, user_id, csrf_token, created_at, last_seen_at, expires_at, user_agent, ip)
VALUES ($1, $2, $3, $4, $4, $5, $6, $7);

-- name: select-session-actor
-- The session, then its person as user.ScanActor reads them: one row per
-- team, in team order.
SELECT s.id, s.user_id, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at,
       u.id, u.email, u.name, u.role, COALESCE(u.organization_id, 0), u.timezone, u.active, COALESCE(m.team_id, 0)
FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN team_members m ON m.user_id = u.id
WHERE s.id = $1
ORDER BY m.team_id;

-- name: touch-session
UPDATE sessions SET last_seen_at = $2 WHERE id = $1;

-- name: delete-session
DELETE FROM sessions WHERE id = $1;

-- name: end-session
DELETE FROM sessions WHERE id = $1 RETURNING user_id;

-- name: delete-user-sessions
DELETE FROM sessions WHERE user_id = $1 AND id <> $2;

-- The setup token is one settings row, "<sha256 hex of the token>:<token
-- sealed with the secret key>", usable only while there is no user.

-- name: insert-setup-token
INSERT INTO settings (key, value, updated_at) SELECT 'setup_token', $1, $2
WHERE NOT EXISTS (SELECT 1 FROM users)
ON CONFLICT (key) DO NOTHING;

-- name: select-setup-token
SELECT value FROM settings WHERE key = 'setup_token' AND NOT EXISTS (SELECT 1 FROM users);

-- name: delete-setup-token
DELETE FROM settings WHERE key = 'setup_token' AND value = $1;

-- name: take-setup-token
DELETE FROM settings WHERE key = 'setup_token' AND substr(value, 1, 65) = $1 AND NOT EXISTS (SELECT 1 FROM users);

-- name: prune-sessions
DELETE FROM sessions WHERE expires_at < $1 OR last_seen_at < $2;

-- name: prune-login-failures
-- A failure older than failureMemory no longer counts (count-signin-failure
-- starts again from 1) and its delay, at most DelayMax after it, is over.
DELETE FROM signin_throttle WHERE updated_at < $1 AND delayed_until < $2;

-- name: select-setting
SELECT value FROM settings WHERE key = $1;

-- name: put-setting
INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at;

-- name: insert-portal-link
INSERT INTO portal_links (token_hash, user_id, purpose, ticket_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6);

-- name: select-portal-link
SELECT user_id FROM portal_links WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3;

-- name: use-portal-link
UPDATE portal_links SET used_at = $3 WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
RETURNING user_id, COALESCE(ticket_id, 0);

-- name: end-portal-links
UPDATE portal_links SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL;

-- name: prune-portal-links
DELETE FROM portal_links WHERE expires_at < $1;

-- name: insert-user
INSERT INTO users (email, name, role, password_hash, organization_id, phone, department, location, timezone, active, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
RETURNING id;

-- name: select-user-by-id
SELECT u.id, u.email, u.name, u.role, u.password_hash, COALESCE(u.organization_id, 0), COALESCE(o.name, ''),
       u.phone, u.department, u.location, u.timezone, u.signature, u.active, u.created_at, u.updated_at
FROM users u LEFT JOIN organizations o ON o.id = u.organization_id
WHERE u.id = $1;

-- name: select-user-by-email
SELECT u.id, u.email, u.name, u.role, u.password_hash, COALESCE(u.organization_id, 0), COALESCE(o.name, ''),
       u.phone, u.department, u.location, u.timezone, u.signature, u.active, u.created_at, u.updated_at
FROM users u LEFT JOIN organizations o ON o.id = u.organization_id
WHERE lower(u.email) = lower($1);

-- name: list-users
SELECT u.id, u.email, u.name, u.role, u.password_hash, COALESCE(u.organization_id, 0), COALESCE(o.name, ''),
       u.phone, u.department, u.location, u.timezone, u.signature, u.active, u.created_at, u.updated_at
FROM users u LEFT JOIN organizations o ON o.id = u.organization_id
WHERE u.id > $1 AND (CAST($2 AS TEXT) = '' OR u.role = $2) AND (CAST($3 AS TEXT) = '' OR lower(u.email) LIKE $3 OR lower(u.name) LIKE $3)
ORDER BY u.id
LIMIT $4;

-- name: list-users-of-role
SELECT u.id, u.email, u.name, u.role, u.password_hash, COALESCE(u.organization_id, 0), COALESCE(o.name, ''),
       u.phone, u.department, u.location, u.timezone, u.signature, u.active, u.created_at, u.updated_at
FROM users u LEFT JOIN organizations o ON o.id = u.organization_id
WHERE u.role = $2 AND u.id > $1
ORDER BY u.role, u.id
LIMIT $3;

-- name: assignee-choices
-- The workspace's assignee menus, on every queue and ticket page: the
-- first 500 active agents, then the first 500 active admins, each in id
-- order; read from users_role, without the rest of the users' rows.
SELECT email, name FROM (
    SELECT 0 AS k, id, email, name FROM (
        SELECT id, email, name FROM users WHERE role = 'agent' AND active ORDER BY id LIMIT 500) a
    UNION ALL
    SELECT 1 AS k, id, email, name FROM (
        SELECT id, email, name FROM users WHERE role = 'admin' AND active ORDER BY id LIMIT 500) b
) u
ORDER BY k, id;

-- name: update-user
UPDATE users SET name = $2, role = $3, organization_id = $4, phone = $5, department = $6, location = $7,
       timezone = $8, signature = $9, active = $10, email = $11, updated_at = $12
WHERE id = $1;

-- name: update-password
UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1;

-- name: count-users
SELECT COUNT(*) FROM users;

-- name: select-actor
-- One row per team (one row with team 0 for none), in team order.
SELECT u.id, u.email, u.name, u.role, COALESCE(u.organization_id, 0), u.timezone, u.active, COALESCE(m.team_id, 0)
FROM users u LEFT JOIN team_members m ON m.user_id = u.id
WHERE u.id = $1
ORDER BY m.team_id;

-- name: insert-team
INSERT INTO teams (name, restricted, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id;

-- name: select-team
SELECT id, name, restricted, created_at, updated_at FROM teams WHERE id = $1;

-- name: select-team-by-name
SELECT id, name, restricted, created_at, updated_at FROM teams WHERE lower(name) = lower($1);

-- name: list-teams
SELECT id, name, restricted, created_at, updated_at FROM teams WHERE id > $1 ORDER BY id LIMIT $2;

-- name: team-names
-- The workspace's team menus, in the order Teams lists them.
SELECT name FROM teams ORDER BY id LIMIT 500;

-- name: update-team
UPDATE teams SET name = $2, restricted = $3, updated_at = $4 WHERE id = $1;

-- name: team-members
SELECT u.email, m.lead FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = $1 ORDER BY lower(u.email);

-- name: members-of-teams
-- The members of the teams with ids in ($1, $2], as team-members orders
-- each team's.
SELECT m.team_id, u.email, m.lead FROM team_members m JOIN users u ON u.id = m.user_id
WHERE m.team_id > $1 AND m.team_id <= $2
ORDER BY m.team_id, lower(u.email);

-- name: team-member-users
SELECT u.id, u.email FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = $1 ORDER BY u.id;

-- name: insert-member
INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING;

-- name: delete-member
DELETE FROM team_members WHERE team_id = $1 AND user_id = $2;

-- name: delete-members
DELETE FROM team_members WHERE team_id = $1;

-- name: insert-organization
INSERT INTO organizations (name, domain, shared_tickets, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id;

-- name: select-organization
SELECT id, name, domain, shared_tickets, created_at, updated_at FROM organizations WHERE id = $1;

-- name: select-organization-by-name
SELECT id, name, domain, shared_tickets, created_at, updated_at FROM organizations WHERE lower(name) = lower($1);

-- name: list-organizations
SELECT id, name, domain, shared_tickets, created_at, updated_at FROM organizations WHERE id > $1 ORDER BY id LIMIT $2;

-- name: update-organization
UPDATE organizations SET name = $2, domain = $3, shared_tickets = $4, updated_at = $5 WHERE id = $1;

-- name: insert-requester
INSERT INTO users (email, name, role, password_hash, active, created_at, updated_at)
VALUES ($1, $2, 'requester', '', TRUE, $3, $3)
ON CONFLICT DO NOTHING
RETURNING id;

-- name: select-organization-by-domain
SELECT id, name, domain, shared_tickets, created_at, updated_at FROM organizations WHERE domain = $1 ORDER BY id LIMIT 1;

-- name: set-user-organization
UPDATE users SET organization_id = $2 WHERE id = $1 AND organization_id IS NULL;

-- name: set-member-lead
UPDATE team_members SET lead = $3 WHERE team_id = $1 AND user_id = $2;

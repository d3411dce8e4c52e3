-- name: acquire-lease
INSERT INTO leases (name, holder, acquired_at, expires_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at,
    acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END
WHERE leases.holder = excluded.holder OR leases.expires_at < excluded.acquired_at;

-- name: release-lease
DELETE FROM leases WHERE name = $1 AND holder = $2;

-- name: lease-holder
SELECT holder, expires_at FROM leases WHERE name = $1;

-- name: list-leases
SELECT name, holder, acquired_at, expires_at FROM leases WHERE name LIKE $1 ORDER BY name;

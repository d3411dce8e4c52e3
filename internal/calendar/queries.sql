-- name: insert-calendar
INSERT INTO calendars (name, time_zone, intervals, holidays, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $5)
RETURNING id;

-- name: update-calendar
UPDATE calendars SET name = $2, time_zone = $3, intervals = $4, holidays = $5, updated_at = $6 WHERE id = $1;

-- name: delete-calendar
DELETE FROM calendars WHERE id = $1;

-- name: select-calendar
SELECT id, name, time_zone, intervals, holidays, created_at, updated_at FROM calendars WHERE id = $1;

-- name: select-calendar-by-name
SELECT id, name, time_zone, intervals, holidays, created_at, updated_at FROM calendars WHERE lower(name) = lower($1);

-- name: list-calendars
SELECT id, name, time_zone, intervals, holidays, created_at, updated_at FROM calendars WHERE id > $1 ORDER BY id LIMIT $2;

-- name: count-calendars
SELECT COUNT(*) FROM calendars;

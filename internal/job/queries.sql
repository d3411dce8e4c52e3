-- name: insert-job
INSERT INTO jobs (kind, args, state, max_attempts, run_at, unique_key, created_at, updated_at)
VALUES ($1, $2, 'available', $3, $4, $5, $6, $6)
ON CONFLICT DO NOTHING
RETURNING id;

-- name: claim-jobs
UPDATE jobs SET state = 'running', attempt = attempt + 1, locked_by = $1, locked_until = $2, updated_at = $3
WHERE id IN (SELECT id FROM jobs WHERE state IN ('available', 'retryable') AND run_at <= $3 AND kind IN (SELECT value FROM json_each($5))
             ORDER BY run_at, id LIMIT $4)
RETURNING id, kind, args, attempt, max_attempts, run_at, COALESCE(unique_key, ''), created_at;

-- name: complete-job
UPDATE jobs SET state = 'completed', locked_until = NULL, finished_at = $2, updated_at = $2, last_error = ''
WHERE id = $1 AND state = 'running' AND locked_by = $3;

-- name: retry-job
UPDATE jobs SET state = 'retryable', run_at = $2, last_error = $3, locked_until = NULL, updated_at = $4
WHERE id = $1 AND state = 'running' AND locked_by = $5;

-- name: fail-job
UPDATE jobs SET state = 'failed', last_error = $2, locked_until = NULL, finished_at = $3, updated_at = $3
WHERE id = $1 AND state = 'running' AND locked_by = $4;

-- name: extend-jobs
UPDATE jobs SET locked_until = $2 WHERE state = 'running' AND locked_by = $1;

-- name: rescue-jobs
-- Jobs whose runner died (kill -9) mid-run: their lease ran out. They
-- go back to be retried, or fail when out of attempts.
UPDATE jobs SET state = CASE WHEN attempt >= max_attempts THEN 'failed' ELSE 'retryable' END,
    last_error = 'the runner stopped while running it (crash or kill); retried',
    finished_at = CASE WHEN attempt >= max_attempts THEN $1 ELSE NULL END,
    locked_until = NULL, updated_at = $1
WHERE state = 'running' AND locked_until < $1;

-- name: retry-job-now
UPDATE jobs SET state = 'available', run_at = $2, attempt = CASE WHEN state = 'failed' THEN 0 ELSE attempt END,
    finished_at = NULL, updated_at = $2
WHERE id = $1 AND state IN ('failed', 'cancelled', 'retryable', 'available');

-- name: cancel-job
UPDATE jobs SET state = 'cancelled', finished_at = $2, updated_at = $2, locked_until = NULL
WHERE id = $1 AND state IN ('available', 'retryable');

-- name: get-job
SELECT id, kind, args, state, attempt, max_attempts, run_at, COALESCE(unique_key, ''), locked_by, last_error,
       created_at, updated_at, finished_at
FROM jobs WHERE id = $1;

-- name: list-jobs
SELECT id, kind, args, state, attempt, max_attempts, run_at, COALESCE(unique_key, ''), locked_by, last_error,
       created_at, updated_at, finished_at
FROM jobs WHERE ($1 = '' OR state = $1) AND ($2 = '' OR kind = $2) AND ($3 = 0 OR id < $3)
ORDER BY id DESC LIMIT $4;

-- name: count-jobs
SELECT kind, state, COUNT(*) FROM jobs GROUP BY kind, state;

-- name: next-run-at
SELECT MIN(run_at) FROM jobs WHERE state IN ('available', 'retryable');

-- name: take-schedule
UPDATE job_schedules SET next_run_at = $2 WHERE name = $1 AND next_run_at <= $3;

-- name: init-schedule
INSERT INTO job_schedules (name, next_run_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING;

-- name: prune-jobs
DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state IN ('completed', 'cancelled') AND finished_at < $1 LIMIT 1000);

-- name: take-due-jobs
-- Due jobs of one kind taken into the caller's transaction: done when it
-- commits, still queued when it rolls back.
UPDATE jobs SET state = 'completed', attempt = attempt + 1, locked_until = NULL, finished_at = $3, updated_at = $3,
    last_error = ''
WHERE id IN (SELECT id FROM jobs WHERE state IN ('available', 'retryable') AND run_at <= $3 AND kind = $1
             ORDER BY run_at, id LIMIT $2)
RETURNING id, kind, args, attempt, max_attempts, run_at, COALESCE(unique_key, ''), created_at;

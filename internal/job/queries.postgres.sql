-- name: claim-jobs
UPDATE jobs SET state = 'running', attempt = attempt + 1, locked_by = $1, locked_until = $2, updated_at = $3
WHERE id IN (SELECT id FROM jobs WHERE state IN ('available', 'retryable') AND run_at <= $3
                 AND kind IN (SELECT json_array_elements_text($5::json))
             ORDER BY run_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
RETURNING id, kind, args, attempt, max_attempts, run_at, COALESCE(unique_key, ''), created_at;

-- name: take-due-jobs
UPDATE jobs SET state = 'completed', attempt = attempt + 1, locked_until = NULL, finished_at = $3, updated_at = $3,
    last_error = ''
WHERE id IN (SELECT id FROM jobs WHERE state IN ('available', 'retryable') AND run_at <= $3 AND kind = $1
             ORDER BY run_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
RETURNING id, kind, args, attempt, max_attempts, run_at, COALESCE(unique_key, ''), created_at;

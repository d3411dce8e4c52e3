-- Domain events: every state change writes one row in the transaction that
-- makes it. Consumers read them in order from a checkpoint of their own.
-- On SQLite transactions commit one at a time, so id order is commit order
-- and seq stays NULL; on PostgreSQL a sequencer numbers committed rows in
-- seq, which consumers follow instead (see internal/event).
CREATE TABLE domain_events (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seq          BIGINT,
    at           BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    actor_type   TEXT NOT NULL,
    actor_id     BIGINT,
    actor_name   TEXT NOT NULL DEFAULT '',
    subject_type TEXT NOT NULL,
    subject_id   BIGINT,
    ticket_id    BIGINT,
    payload      TEXT NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX domain_events_seq ON domain_events (seq);
CREATE INDEX domain_events_unsequenced ON domain_events (id) WHERE seq IS NULL;
CREATE INDEX domain_events_kind ON domain_events (kind, id);
CREATE INDEX domain_events_actor ON domain_events (actor_type, actor_id, id);
CREATE INDEX domain_events_at ON domain_events (at, id);

-- Where each durable consumer has got to in the event stream.
CREATE TABLE event_checkpoints (
    consumer   TEXT PRIMARY KEY,
    position   BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Jobs: background work, inserted in the transaction that causes it, run at
-- least once by any instance's runner with retries and backoff.
-- state: available → running → completed, or → retryable (run_at is then the
-- next try) → …, or → failed after max_attempts, or cancelled.
CREATE TABLE jobs (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         TEXT NOT NULL,
    args         TEXT NOT NULL DEFAULT '{}',
    state        TEXT NOT NULL DEFAULT 'available',
    attempt      INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 10,
    run_at       BIGINT NOT NULL,
    unique_key   TEXT,
    locked_by    TEXT NOT NULL DEFAULT '',
    locked_until BIGINT,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    finished_at  BIGINT
);
CREATE INDEX jobs_due ON jobs (state, run_at, id);
CREATE INDEX jobs_kind ON jobs (kind, id);
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE UNIQUE INDEX jobs_unique ON jobs (unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'running', 'retryable');

-- Periodic jobs: the leader enqueues a job when next_run_at has come and
-- moves next_run_at on, in one transaction, so a change of leader neither
-- skips nor doubles a run.
CREATE TABLE job_schedules (
    name        TEXT PRIMARY KEY,
    next_run_at BIGINT NOT NULL
);

-- History names actors that are not people: the mail importer, a rule, the
-- SLA, the system. actor_id stays NULL for them.
ALTER TABLE ticket_events ADD COLUMN actor_name TEXT NOT NULL DEFAULT '';

-- SLA timers without a job row per ticket write (issue 10).
--
-- A write no longer queues a ticket's first timer: a periodic job (the
-- timer scan) reads the tickets whose warn_at or due_at fall after horizon
-- and up to a few minutes ahead, from tickets_warn and tickets_due, and
-- queues their timers; then it moves horizon there. One row. It starts at
-- the migration's time: every ticket written before has its timer queued.
CREATE TABLE sla_timer_scan (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    horizon BIGINT NOT NULL
);
INSERT INTO sla_timer_scan (id, horizon) VALUES (1, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT);

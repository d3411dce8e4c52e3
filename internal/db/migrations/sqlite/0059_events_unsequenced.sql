-- On SQLite an event's place in the stream is its id (transactions commit
-- one at a time) and seq stays NULL (0015): domain_events_unsequenced held
-- every event and domain_events_seq a NULL for each, read by no statement,
-- and every write that records an event updated both. A restore from
-- PostgreSQL numbers its events by id without them (internal/backup).
DROP INDEX IF EXISTS domain_events_unsequenced;
DROP INDEX IF EXISTS domain_events_seq;

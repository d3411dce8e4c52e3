-- name: read-events
SELECT id, seq, at, kind, actor_type, COALESCE(actor_id, 0), actor_name, subject_type, COALESCE(subject_id, 0),
       COALESCE(ticket_id, 0), payload
FROM domain_events WHERE seq > $1 ORDER BY seq LIMIT $2;

-- name: head-position
SELECT COALESCE(MAX(seq), 0) FROM domain_events;

-- name: lock-checkpoint
SELECT position FROM event_checkpoints WHERE consumer = $1 FOR UPDATE SKIP LOCKED;

-- name: sequence-events
-- Numbers committed, unnumbered events in id order after the highest
-- number given so far. One sequencer at a time (the advisory lock taken
-- first in the same transaction), so numbers never repeat or go back.
UPDATE domain_events d SET seq = b.base + r.rn
FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn
      FROM domain_events WHERE seq IS NULL ORDER BY id LIMIT 1000) r,
     (SELECT COALESCE(MAX(seq), 0) AS base FROM domain_events) b
WHERE d.id = r.id;

-- name: sequence-all-events
-- sequence-events for every unnumbered event (Log.SequenceAll).
UPDATE domain_events d SET seq = b.base + r.rn
FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn
      FROM domain_events WHERE seq IS NULL) r,
     (SELECT COALESCE(MAX(seq), 0) AS base FROM domain_events) b
WHERE d.id = r.id;

-- name: sequencer-lock
SELECT pg_advisory_xact_lock(7263541);

-- name: notify-events
SELECT pg_notify('docket_events', '');

-- Migration 0059 drops SQLite's indexes of domain_events.seq, which stays
-- NULL there; PostgreSQL's sequencer numbers events by them: nothing to
-- change here.
SELECT 1;

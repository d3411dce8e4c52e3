-- name: lock-assignment
-- One automatic assignment at a time across instances and rules, until
-- the transaction ends: the round-robin position and agents' loads are
-- read and written behind it. The key is fixed ("docket-assign").
SELECT pg_advisory_xact_lock(7241930358146000011);

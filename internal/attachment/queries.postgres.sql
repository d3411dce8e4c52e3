-- name: lock-content
-- Serializes the writes that decide whether a content is still used (a new
-- attachment row naming it; pruning the last row that did): an advisory
-- lock on the first 32 bits of the hash, in a key class of its own.
SELECT pg_advisory_xact_lock(2105, ('x' || substr($1, 1, 8))::bit(32)::int);

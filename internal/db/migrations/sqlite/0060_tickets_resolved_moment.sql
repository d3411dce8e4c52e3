-- Migration 0060 gives PostgreSQL an index of resolved tickets by
-- resolved_at, for the built-in time rule: nothing to change here (see the
-- PostgreSQL migration).
SELECT 1;

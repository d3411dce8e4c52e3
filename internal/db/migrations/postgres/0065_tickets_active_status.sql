-- Migration 0065 gives SQLite indexes of active tickets by status and list
-- order, which a list of some statuses of every team (Pending) reads one
-- range of per status. PostgreSQL chooses its indexes itself: given them,
-- its planner read a status's tickets of every team for one team's range
-- of a merged walk, and Pending is one arm run per team's range there
-- (ticket.mergedQuery): nothing to change here.
SELECT 1;

-- "My teams", a team's queue and "Pending" in every order the queue offers
-- (issue 13, lists), whatever else sits on top of the order: the active
-- tickets of one team in one status, in each list order, id breaking ties.
-- A list of some teams or some statuses reads each (team, status) range of
-- the order's index in order, stopping after a page, and merges them
-- (mergeKeys in internal/ticket): a page costs a page per range, where a
-- walk of the whole order's index (tickets_active_*) passed every ticket of
-- the other teams and statuses above the page first — 70,000 new tickets
-- without a team after a burst of mail. One index per order serves a team's
-- list (its four statuses), a status's (every team and none) and both. The
-- team is keyed as COALESCE(team_id, 0) (ids start at 1), so that the
-- tickets without a team are a range found by equality too, which both
-- planners know to read in the order's order (PostgreSQL does not for IS
-- NULL). The list query writes the exact status list of the predicate.
CREATE INDEX tickets_active_team_updated ON tickets (COALESCE(team_id, 0), status, updated_at, id)
    WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_active_team_created ON tickets (COALESCE(team_id, 0), status, created_at, id)
    WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_active_team_priority ON tickets (COALESCE(team_id, 0), status, priority, id)
    WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_active_team_number ON tickets (COALESCE(team_id, 0), status, number, id)
    WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_active_team_due ON tickets (COALESCE(team_id, 0), status, COALESCE(due_at, 9223372036854775807), id)
    WHERE status IN ('new', 'open', 'pending', 'on_hold');

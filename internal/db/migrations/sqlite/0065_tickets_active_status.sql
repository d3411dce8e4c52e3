-- Lists of some statuses of every team (Pending in every order but by
-- activity; two statuses of four) as one range per status (issue 13,
-- lists): the active tickets of one status in each list order, id breaking
-- ties. Such a list read one range of tickets_active_team_* per team and
-- status, merged (migration 0055): 21 ranges for Pending on a desk of 20
-- teams, 0.65 ms a page against 0.36–0.45 ms for one range at a million
-- tickets; and a burst on top of the order is still never read. By
-- activity the same ranges are tickets_status_updated's (migration 0001).
CREATE INDEX tickets_active_status_created ON tickets (status, created_at, id)
    WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_active_status_priority ON tickets (status, priority, id)
    WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_active_status_number ON tickets (status, number, id)
    WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_active_status_due ON tickets (status, COALESCE(due_at, 9223372036854775807), id)
    WHERE status IN ('new', 'open', 'pending', 'on_hold');

-- The built-in queues of active tickets in every order the queue offers
-- (issue 13, lists): "All open", "Unassigned", "My teams", "Pending",
-- "Breached" sorted by creation, priority or number walk these partial
-- indexes in order and stop after a page, as tickets_active_updated and
-- tickets_active_due do for the other orders, instead of sorting every
-- active ticket. created_at and number never change and priority seldom
-- does, so after the insert a ticket's writes touch them only when it
-- leaves or re-enters the active statuses. The list query writes the exact
-- status list of the predicate (activeCondition in internal/ticket).
CREATE INDEX tickets_active_created ON tickets (created_at, id)
    WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_active_priority ON tickets (priority, id)
    WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_active_number ON tickets (number, id)
    WHERE status IN ('new', 'open', 'pending', 'on_hold');

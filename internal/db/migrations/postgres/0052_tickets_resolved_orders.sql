-- "Recently resolved" in every order the queue offers (issue 13, lists): the
-- resolved tickets of the last week — a week of a desk's work, thousands at
-- a million tickets a year, since the built-in time rule closes them after
-- seven days — walked in created, priority, number or due order and stopped
-- after a page, as tickets_status_updated serves the updated order, instead
-- of read and sorted whole on every page. Only resolved tickets are in
-- them, so a write touches them when a ticket is resolved, reopened or
-- closed. The list query writes the exact predicate (resolvedCondition in
-- internal/ticket).
CREATE INDEX tickets_resolved_created ON tickets (created_at, id) WHERE status = 'resolved';
CREATE INDEX tickets_resolved_priority ON tickets (priority, id) WHERE status = 'resolved';
CREATE INDEX tickets_resolved_number ON tickets (number, id) WHERE status = 'resolved';
CREATE INDEX tickets_resolved_due ON tickets (COALESCE(due_at, 9223372036854775807), id) WHERE status = 'resolved';

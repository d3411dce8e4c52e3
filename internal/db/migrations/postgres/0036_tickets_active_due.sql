-- The SLA queues ("At risk", "Breached", due: terms, sort=due_at) walk the
-- open tickets in order of their next due time, tickets without one last.
-- The list query orders by and bounds this exact expression, and writes the
-- exact status list of the partial index, so a page stops after 50 rows
-- instead of sorting every open ticket.
CREATE INDEX tickets_active_due ON tickets (COALESCE(due_at, 9223372036854775807), id)
    WHERE status IN ('new', 'open', 'pending', 'on_hold');

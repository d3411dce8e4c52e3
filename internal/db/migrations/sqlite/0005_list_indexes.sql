-- Indexes the agent workspace's pages need at 100,000 tickets and more:
-- the merged tickets of a survivor, and the most common queue ("active
-- tickets, recently updated first"), which the list query matches by
-- writing this exact status list.
CREATE INDEX tickets_merged_into ON tickets (merged_into_id) WHERE merged_into_id IS NOT NULL;
CREATE INDEX tickets_active_updated ON tickets (updated_at, id) WHERE status IN ('new', 'open', 'pending', 'on_hold');

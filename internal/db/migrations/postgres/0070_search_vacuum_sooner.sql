-- The text indexes' tables vacuumed sooner (issue 13). Every reply writes
-- its ticket's search_ticket and search_words rows anew, and their text
-- indexes keep pointing at each old version until VACUUM removes it:
-- PostgreSQL's default waits for a fifth of the table, 200,000 dead rows
-- at a million tickets, and they are the recently active tickets that a
-- search's newest matches are among. With 49,000 dead rows on the
-- million-ticket desk, a ranked search's statement found 14,983 entries
-- for 545 live matches and visited a page for each (40.8 ms, and 14.4 ms
-- after VACUUM); VACUUM of both tables and search_terms took 12 s.
-- Autovacuum now starts once 1 % of the rows (and 50) are dead, and once
-- 1 % of them (and 1,000) are new since the last vacuum; either vacuum
-- also empties the GIN indexes' pending lists, which every search scans
-- whole until then. A reply's new versions count as dead rows, not new.
ALTER TABLE search_ticket SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01);
ALTER TABLE search_words SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01);
ALTER TABLE search_terms SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01);

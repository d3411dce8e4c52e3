-- Search at a million tickets (issue 13): the "merge" command merges a
-- level of the ticket index once it holds two segments (FTS5's default
-- is four), so the background merging (ticket.MergeIndex, the
-- search.merge job) keeps the index at about one segment per size. Every
-- segment is a look-up for every word of every query: with 25 segments a
-- query over a range of ids cost 1.1 ms at 1,000,000 tickets, merged
-- 0.1–0.3 ms. Writes still merge 16 at a time (0053). FTS5 keeps the
-- setting in search_fts_ticket_config.
INSERT INTO search_fts_ticket (search_fts_ticket, rank) VALUES ('usermerge', 2);

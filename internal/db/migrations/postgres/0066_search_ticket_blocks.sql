-- The newest matches of common words on PostgreSQL (issue 13). GIN gives a
-- search's matches in no order, so a ranked search found the newest 2,000
-- of words in a few percent of tickets either by reading every match
-- (tens of thousands of rows) or by walking search_ticket newest first and
-- checking each ticket (115,000 tickets for two words in 1.6 % of a
-- million: 174–250 ms, and seconds when the words met less often than
-- their shares said). The text index gets a second column: for each
-- ticket, one lexeme naming its block of 16,384 ids, '#' and id >> 14. A
-- search ANDs its words (on tsv) with the newest blocks' lexemes (on the
-- second column), and one scan of the index reads only the matches in
-- those blocks (internal/ticket pgsearch.go, blockMatches). Conditions on
-- tsv alone use the index as before; the table is unchanged. Building it
-- takes about a minute at a million tickets.
DROP INDEX search_ticket_fts;
CREATE INDEX search_ticket_fts ON search_ticket
    USING GIN (tsv, (array_to_tsvector(ARRAY['#' || (ticket_id >> 14)::text])));

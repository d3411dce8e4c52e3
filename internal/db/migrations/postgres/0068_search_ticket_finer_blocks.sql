-- Finer blocks of ids in PostgreSQL's text index (issue 13). A ranked
-- search reads its newest matches a few blocks at a time (0066), and every
-- match a block holds costs the index and the table about 1.5–2 µs, though
-- the search ranks only the newest 2,000. With blocks of 16,384 ids, two
-- words in a tenth of the tickets read 5,000–8,000 matches for those 2,000;
-- with blocks of 4,096 (id >> 12) the blocks read hold about as many as the
-- search asks for (internal/ticket pgsearch.go, pgBlockBits). Rebuilding
-- the index takes under a minute at a million tickets.
DROP INDEX search_ticket_fts;
CREATE INDEX search_ticket_fts ON search_ticket
    USING GIN (tsv, (array_to_tsvector(ARRAY['#' || (ticket_id >> 12)::text])));

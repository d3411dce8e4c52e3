-- Migration 0063 gives PostgreSQL one row of search terms per ticket
-- (search_terms), which a relevance counts words in; SQLite's relevance
-- counts them where its full-text index found them (0061): nothing to
-- change here.
SELECT 1;

-- Migration 0061 has SQLite's relevance count words where its full-text
-- index found them and drops search_terms; PostgreSQL's ranks still read
-- search_docs: nothing to change here.
SELECT 1;

-- Migration 0064 gives SQLite each ticket's documents' sizes in words
-- (search_sizes), which its relevance reads instead of matching the
-- separator between documents; PostgreSQL counts words in search_terms
-- (0063): nothing to change here.
SELECT 1;

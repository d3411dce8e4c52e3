-- Migration 0071 tunes SQLite's FTS5 index of tickets (search_fts_ticket):
-- nothing to change here.
SELECT 1;

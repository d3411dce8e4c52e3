-- PostgreSQL's text index learns each ticket's block of ids (0066 there):
-- GIN gives matches in no order. SQLite's full-text index reads a search's
-- matches newest first already, so nothing changes here; the number is
-- kept so both engines' schemas have one version (a backup names it).
SELECT 1;

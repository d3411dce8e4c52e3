-- PostgreSQL's relevance learns each ticket's words and where they are
-- (search_words, 0067 there). SQLite's counts come from its full-text
-- index's match (FTS5 instances), so nothing changes here; the number is
-- kept so both engines' schemas have one version (a backup names it).
SELECT 1;

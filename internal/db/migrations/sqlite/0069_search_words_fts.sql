-- PostgreSQL indexes search_words by its words and blocks of ids (0069
-- there). SQLite counts a ranked search's words in its full-text match
-- already, so nothing changes here; the number is kept so both engines'
-- schemas have one version.
SELECT 1;

-- PostgreSQL's text index gets finer blocks of ids (0068 there). SQLite's
-- full-text index reads matches newest first already, so nothing changes
-- here; the number is kept so both engines' schemas have one version.
SELECT 1;

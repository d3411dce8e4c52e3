-- PostgreSQL vacuums its text indexes' tables sooner (0070 there). SQLite's
-- full-text index deletes a replaced document's entries as it writes, so
-- nothing changes here; the number is kept so both engines' schemas have
-- one version.
SELECT 1;

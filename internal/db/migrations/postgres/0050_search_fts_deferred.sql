-- SQLite's 0050 lets ticket.Importer write the per-ticket FTS5 document
-- once per ticket instead of once per search document. PostgreSQL has no
-- per-ticket document: each search document's tsvector is a generated
-- column (0046) computed once per row, and its GIN index takes new entries
-- into a pending list (fastupdate, on by default) merged in bulk, while
-- the importer already inserts a batch's documents in multi-row
-- statements. Nothing changes here; the number is kept so both engines
-- apply the same versions.
SELECT 1;

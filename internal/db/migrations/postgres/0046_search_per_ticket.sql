-- Search at a million tickets (issue 13). Each document's tsvector is
-- stored (a generated column, as kb_articles has) instead of computed from
-- terms at every row a plan checks, and the GIN index covers the column.
-- A search for a word the statistics do not count as common reads the
-- matching tickets from this index first (internal/ticket textsearch.go),
-- so the planner cannot walk the recency index for a word found in a
-- handful of tickets.
DROP INDEX search_docs_fts;
ALTER TABLE search_docs ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', COALESCE(terms, ''))) STORED;
CREATE INDEX search_docs_fts ON search_docs USING GIN (tsv);
ANALYZE search_docs;

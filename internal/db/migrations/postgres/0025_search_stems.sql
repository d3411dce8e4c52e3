-- Search finds inflections: the index no longer holds the text as written
-- but its terms, every word stemmed in Go for English and German
-- (internal/search Terms), the same on both engines. Documents written
-- before have no terms yet (NULL): the search.reindex job, which runs when
-- the server starts, fills them in batches; search_docs_unindexed finds
-- them without a scan.
ALTER TABLE search_docs ADD COLUMN terms TEXT;
CREATE INDEX search_docs_unindexed ON search_docs (id) WHERE terms IS NULL;

DROP INDEX search_docs_fts;
CREATE INDEX search_docs_fts ON search_docs USING GIN (to_tsvector('simple', terms));

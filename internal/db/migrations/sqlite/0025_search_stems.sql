-- Search finds inflections: the index no longer holds the text as written
-- but its terms, every word stemmed in Go for English and German
-- (internal/search Terms), the same on both engines. Documents written
-- before have no terms yet (NULL): the search.reindex job, which runs when
-- the server starts, fills them in batches; search_docs_unindexed finds
-- them without a scan.
ALTER TABLE search_docs ADD COLUMN terms TEXT;
CREATE INDEX search_docs_unindexed ON search_docs (id) WHERE terms IS NULL;

DROP TRIGGER search_docs_ai;
DROP TRIGGER search_docs_ad;
DROP TRIGGER search_docs_au;
DROP TABLE search_fts;

-- The terms are lowercase and already without diacritics.
CREATE VIRTUAL TABLE search_fts USING fts5 (terms, content='search_docs', content_rowid='id', tokenize='unicode61 remove_diacritics 0');
CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_fts (rowid, terms) VALUES (new.id, new.terms);
END;
CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, terms) VALUES ('delete', old.id, old.terms);
END;
CREATE TRIGGER search_docs_au AFTER UPDATE OF terms ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, terms) VALUES ('delete', old.id, old.terms);
    INSERT INTO search_fts (rowid, terms) VALUES (new.id, new.terms);
END;
-- Every document gets its (empty) row, so the reindex's delete-and-insert of
-- each one keeps the index consistent.
INSERT INTO search_fts (search_fts) VALUES ('rebuild');

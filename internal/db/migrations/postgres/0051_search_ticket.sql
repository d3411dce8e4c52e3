-- Search at a million tickets on PostgreSQL (issue 13): one tsvector per
-- ticket, as SQLite has one FTS5 document per ticket (0046), so a search
-- of several words is one GIN probe, or one index look-up per ticket
-- along a walk, instead of an EXISTS per phrase over the ticket's
-- documents. search_docs stays the source of truth (one row per subject
-- and message, written by internal/ticket searchdoc.go and the importer);
-- the statement triggers below keep the tickets a statement touched in
-- the writing transaction: a reply, a note, a subject edit, the reindex
-- job filling terms, a merge moving messages, a deleted ticket.
--
-- The subject and public messages weigh 'A', internal notes 'B': a
-- requester's query asks for 'A' only. Each document's part starts with
-- the token '0.0' (a lexeme no query can hold: query words are letters
-- and digits), which is then deleted, leaving a gap of one position so
-- that a phrase never matches across two messages. A ticket's tsvector is
-- its documents' parts concatenated in id order; a new message after the
-- others (a reply, a note) appends its part, which gives the same value.
CREATE FUNCTION search_doc_tsv(terms TEXT, internal BOOLEAN) RETURNS tsvector LANGUAGE sql IMMUTABLE AS $$
    SELECT ts_delete(setweight(to_tsvector('simple', '0.0 ' || COALESCE(terms, '')),
                               (CASE WHEN internal THEN 'B' ELSE 'A' END)::"char"), '0.0'::text)
$$;
CREATE AGGREGATE search_tsv_agg (tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '');

CREATE TABLE search_ticket (
    ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    tsv       tsvector NOT NULL
);

-- A ticket's documents in id order, for the rebuild and the append test.
DROP INDEX search_docs_ticket;
CREATE INDEX search_docs_ticket ON search_docs (ticket_id, id);

-- search_ticket_refresh rebuilds the documents of the tickets ids. The
-- tickets are locked first (in id order, as the writes lock them), so two
-- transactions writing to one ticket rebuild it one after the other, each
-- reading the other's committed documents.
CREATE FUNCTION search_ticket_refresh(ids BIGINT[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM tickets WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM search_ticket WHERE ticket_id = ANY (ids)
        AND NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.ticket_id = search_ticket.ticket_id);
    INSERT INTO search_ticket (ticket_id, tsv)
    SELECT ticket_id, search_tsv_agg(search_doc_tsv(terms, internal) ORDER BY id)
    FROM search_docs WHERE ticket_id = ANY (ids) GROUP BY ticket_id
    ON CONFLICT (ticket_id) DO UPDATE SET tsv = EXCLUDED.tsv;
END
$$;

-- New documents that come after every other document of their ticket
-- append their parts (the row lock orders concurrent appends); any other
-- ticket the statement touched is rebuilt.
CREATE FUNCTION search_docs_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    rest BIGINT[];
BEGIN
    WITH n AS (
        SELECT ticket_id, MIN(id) AS lo, search_tsv_agg(search_doc_tsv(terms, internal) ORDER BY id) AS part
        FROM new_docs GROUP BY ticket_id
    ), appended AS (
        UPDATE search_ticket st SET tsv = st.tsv || n.part FROM n
        WHERE st.ticket_id = n.ticket_id AND NOT EXISTS (
            SELECT 1 FROM search_docs d WHERE d.ticket_id = n.ticket_id AND d.id > n.lo
                AND NOT EXISTS (SELECT 1 FROM new_docs x WHERE x.id = d.id))
        RETURNING st.ticket_id
    )
    SELECT ARRAY(SELECT ticket_id FROM new_docs EXCEPT SELECT ticket_id FROM appended) INTO rest;
    IF cardinality(rest) > 0 THEN
        PERFORM search_ticket_refresh(rest);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION search_docs_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM search_ticket_refresh(ARRAY(SELECT DISTINCT ticket_id FROM old_docs));
    ELSE
        PERFORM search_ticket_refresh(ARRAY(SELECT ticket_id FROM new_docs UNION SELECT ticket_id FROM old_docs));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs REFERENCING NEW TABLE AS new_docs
    FOR EACH STATEMENT EXECUTE FUNCTION search_docs_inserted();
CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs REFERENCING OLD TABLE AS old_docs
    FOR EACH STATEMENT EXECUTE FUNCTION search_docs_sync();
CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs REFERENCING OLD TABLE AS old_docs NEW TABLE AS new_docs
    FOR EACH STATEMENT EXECUTE FUNCTION search_docs_sync();

-- Every existing ticket's document, built once, then its index.
INSERT INTO search_ticket (ticket_id, tsv)
SELECT ticket_id, search_tsv_agg(search_doc_tsv(terms, internal) ORDER BY id) FROM search_docs GROUP BY ticket_id;
CREATE INDEX search_ticket_fts ON search_ticket USING GIN (tsv);

-- The per-document tsvector and its index served only the search.
DROP INDEX search_docs_fts;
ALTER TABLE search_docs DROP COLUMN tsv;
ANALYZE search_ticket;

-- Relevance at a million tickets on PostgreSQL (issue 13): search_terms
-- holds each ticket's search terms in one row, the text its search_docs
-- rows hold: the subject's terms, the public messages' and the internal
-- notes', each column's documents joined by ' U+E000 ' (the
-- private-use separator of SQLite's full-text document, migration 0046:
-- no term holds it). A ranked search counts its words in the newest
-- 2,000 matches (ticket/rank.go): from search_docs that was about 8,000
-- rows, each found through the index on ticket_id; here it is 2,000 rows
-- by primary key. search_docs stays the source of truth: the functions of
-- migration 0051 keep a ticket's row in the writing transaction whenever
-- its documents change, as they keep its tsvector — a new document's
-- terms appended, any other change rebuilding the row (in id order; two
-- replies committing together append in the order they lock the row, and
-- a rank counts each document on its own, whatever the order). A backup
-- leaves the table out and a restore rebuilds it, like search_ticket.
CREATE TABLE search_terms (
    ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    subject   TEXT,
    visible   TEXT,
    notes     TEXT
);

-- search_terms_sep joins a column's documents. A ticket none of whose
-- documents has terms yet (the reindex job fills them) has no row.
CREATE FUNCTION search_terms_sep() RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$ SELECT ' ' || chr(57344) || ' ' $$;

CREATE OR REPLACE FUNCTION search_ticket_refresh(ids BIGINT[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM tickets WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM search_ticket WHERE ticket_id = ANY (ids)
        AND NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.ticket_id = search_ticket.ticket_id);
    INSERT INTO search_ticket (ticket_id, tsv)
    SELECT ticket_id, search_tsv_agg(search_doc_tsv(terms, internal) ORDER BY id)
    FROM search_docs WHERE ticket_id = ANY (ids) GROUP BY ticket_id
    ON CONFLICT (ticket_id) DO UPDATE SET tsv = EXCLUDED.tsv;
    DELETE FROM search_terms WHERE ticket_id = ANY (ids);
    INSERT INTO search_terms (ticket_id, subject, visible, notes)
    SELECT ticket_id,
           string_agg(terms, search_terms_sep() ORDER BY id) FILTER (WHERE message_id IS NULL AND NOT internal),
           string_agg(terms, search_terms_sep() ORDER BY id) FILTER (WHERE message_id IS NOT NULL AND NOT internal),
           string_agg(terms, search_terms_sep() ORDER BY id) FILTER (WHERE internal)
    FROM search_docs WHERE ticket_id = ANY (ids) AND terms IS NOT NULL GROUP BY ticket_id;
END
$$;

-- New documents after every other document of their ticket append their
-- parts to its tsvector and its terms; any other ticket the statement
-- touched is rebuilt.
CREATE OR REPLACE FUNCTION search_docs_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
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
    INSERT INTO search_terms AS st (ticket_id, subject, visible, notes)
    SELECT ticket_id,
           string_agg(terms, search_terms_sep() ORDER BY id) FILTER (WHERE message_id IS NULL AND NOT internal),
           string_agg(terms, search_terms_sep() ORDER BY id) FILTER (WHERE message_id IS NOT NULL AND NOT internal),
           string_agg(terms, search_terms_sep() ORDER BY id) FILTER (WHERE internal)
    FROM new_docs WHERE terms IS NOT NULL AND ticket_id <> ALL (rest) GROUP BY ticket_id
    ON CONFLICT (ticket_id) DO UPDATE SET
        subject = CASE WHEN st.subject IS NULL THEN EXCLUDED.subject WHEN EXCLUDED.subject IS NULL THEN st.subject
                       ELSE st.subject || search_terms_sep() || EXCLUDED.subject END,
        visible = CASE WHEN st.visible IS NULL THEN EXCLUDED.visible WHEN EXCLUDED.visible IS NULL THEN st.visible
                       ELSE st.visible || search_terms_sep() || EXCLUDED.visible END,
        notes = CASE WHEN st.notes IS NULL THEN EXCLUDED.notes WHEN EXCLUDED.notes IS NULL THEN st.notes
                     ELSE st.notes || search_terms_sep() || EXCLUDED.notes END;
    IF cardinality(rest) > 0 THEN
        PERFORM search_ticket_refresh(rest);
    END IF;
    RETURN NULL;
END
$$;

-- Every existing ticket's row, built once. Documents wait meanwhile: one
-- committed by an instance still on the version before, outside the
-- build's snapshot, would be missing from its row for good (appends keep
-- what they find). The lock came with 0067's; a database this built
-- before was exposed only while it ran.
LOCK TABLE search_docs IN SHARE MODE;
INSERT INTO search_terms (ticket_id, subject, visible, notes)
SELECT ticket_id,
       string_agg(terms, search_terms_sep() ORDER BY id) FILTER (WHERE message_id IS NULL AND NOT internal),
       string_agg(terms, search_terms_sep() ORDER BY id) FILTER (WHERE message_id IS NOT NULL AND NOT internal),
       string_agg(terms, search_terms_sep() ORDER BY id) FILTER (WHERE internal)
FROM search_docs WHERE terms IS NOT NULL GROUP BY ticket_id;
ANALYZE search_terms;

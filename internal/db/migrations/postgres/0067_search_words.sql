-- Relevance at a million tickets on PostgreSQL (issue 13): a ranked search
-- counted its words in the newest 2,000 matches' search_terms rows (0063),
-- about 3 MB of text a search: PostgreSQL read it out of TOAST and sent
-- it, and Docket scanned it, three quarters of a search's CPU.
-- search_words holds, per ticket, where each of its words is: a JSON
-- object from each word (a term of its documents, as written by
-- internal/search Terms: words between single spaces) to its documents and
-- counts there, 'n:c n:c' (n numbering the ticket's documents with terms
-- from 0, in id order, c how many times the word is in document n), and
-- under the key '#' (never a word: words are letters and digits) each
-- document's kind and size in words, 'k<words> …' in the same order, k
-- being 's' for the subject, 'v' for a public message and 'n' for an
-- internal note. A search of plain words reads its words' entries only
-- (internal/ticket rank.go, wordCounts), a few bytes a ticket; a phrase
-- of several words or a prefix still counts in search_terms.
--
-- search_docs stays the source of truth: the functions below keep a
-- ticket's row in the writing transaction whenever its documents change,
-- as they keep its tsvector and terms. A new document's entries are
-- appended, renumbered after the row's documents; any other change
-- rebuilds the row. The rows stay in the table's pages uncompressed
-- (toast_tuple_target), where a key is found without decompressing the
-- object. A backup leaves the table out and a restore rebuilds it.
CREATE TABLE search_words (
    ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    words     JSONB NOT NULL
) WITH (toast_tuple_target = 8160);

-- search_words_of is the object of documents given in order: their terms
-- and kinds ('s', 'v', 'n'), numbered from base.
CREATE FUNCTION search_words_of(terms TEXT[], kinds TEXT[], base INT) RETURNS JSONB LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN (SELECT COALESCE(jsonb_object_agg(w, v), '{}') FROM (
        SELECT w, string_agg((n - 1 + base) || ':' || c, ' ' ORDER BY n) AS v FROM (
            SELECT d.n, x.w, count(*) AS c
            FROM unnest(terms) WITH ORDINALITY AS d (t, n), unnest(string_to_array(d.t, ' ')) AS x (w)
            WHERE x.w <> '' GROUP BY d.n, x.w
        ) c GROUP BY w
        UNION ALL
        SELECT '#', string_agg(d.k || (SELECT count(*) FROM unnest(string_to_array(d.t, ' ')) AS x (w) WHERE x.w <> ''), ' ' ORDER BY d.n)
        FROM unnest(terms, kinds) WITH ORDINALITY AS d (t, k, n)
        HAVING count(*) > 0
    ) e);
END
$$;

-- search_words_kind is a document's kind in search_words.
CREATE FUNCTION search_words_kind(message_id BIGINT, internal BOOLEAN) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN internal THEN 'n' WHEN message_id IS NULL THEN 's' ELSE 'v' END
$$;

-- search_words_add is a ticket's object a with the documents terms (of
-- kinds kinds) after its own.
CREATE FUNCTION search_words_add(a JSONB, terms TEXT[], kinds TEXT[]) RETURNS JSONB LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN (SELECT a || COALESCE(jsonb_object_agg(y.key, concat_ws(' ', a ->> y.key, y.value)), '{}')
    FROM jsonb_each_text(search_words_of(terms, kinds, COALESCE(cardinality(string_to_array(a ->> '#', ' ')), 0))) y);
END
$$;

-- search_words_append is a ticket's object a with the documents of b after
-- its own: b's document numbers move past a's documents. Only b's words
-- (a new document's) are looked up in a and replaced (||).
CREATE FUNCTION search_words_append(a JSONB, b JSONB) RETURNS JSONB LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN (SELECT a || COALESCE(jsonb_object_agg(y.key, concat_ws(' ', a ->> y.key, CASE WHEN y.key = '#' THEN y.value #>> '{}' ELSE (
        SELECT string_agg((split_part(p, ':', 1)::int + base.n) || ':' || split_part(p, ':', 2), ' ' ORDER BY o)
        FROM unnest(string_to_array(y.value #>> '{}', ' ')) WITH ORDINALITY AS s (p, o)) END)), '{}')
    FROM (SELECT COALESCE(cardinality(string_to_array(a ->> '#', ' ')), 0) AS n) base, jsonb_each(b) y);
END
$$;

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
    DELETE FROM search_words WHERE ticket_id = ANY (ids);
    INSERT INTO search_words (ticket_id, words)
    SELECT ticket_id, search_words_of(array_agg(terms ORDER BY id), array_agg(search_words_kind(message_id, internal) ORDER BY id), 0)
    FROM search_docs WHERE ticket_id = ANY (ids) AND terms IS NOT NULL GROUP BY ticket_id;
END
$$;

-- New documents after every other document of their ticket append their
-- parts to its tsvector, its terms and its words; any other ticket the
-- statement touched is rebuilt. A new ticket's first documents are an
-- append too, to rows not there yet (0051 to 0063 rebuilt such a ticket:
-- a lock and six statements more a create); a ticket with other
-- documents but no search_ticket row (a repair by hand) is rebuilt, as
-- before.
CREATE OR REPLACE FUNCTION search_docs_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    rest BIGINT[];
BEGIN
    WITH n AS (
        SELECT ticket_id, MIN(id) AS lo, search_tsv_agg(search_doc_tsv(terms, internal) ORDER BY id) AS part
        FROM new_docs GROUP BY ticket_id
    ), appended AS (
        INSERT INTO search_ticket AS st (ticket_id, tsv)
        SELECT ticket_id, part FROM n WHERE NOT EXISTS (
            SELECT 1 FROM search_docs d WHERE d.ticket_id = n.ticket_id AND d.id > n.lo
                AND NOT EXISTS (SELECT 1 FROM new_docs x WHERE x.id = d.id))
        AND (EXISTS (SELECT 1 FROM search_ticket o WHERE o.ticket_id = n.ticket_id) OR NOT EXISTS (
            SELECT 1 FROM search_docs d WHERE d.ticket_id = n.ticket_id
                AND NOT EXISTS (SELECT 1 FROM new_docs x WHERE x.id = d.id)))
        ON CONFLICT (ticket_id) DO UPDATE SET tsv = st.tsv || EXCLUDED.tsv
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
    UPDATE search_words sw SET words = search_words_add(sw.words, n.terms, n.kinds)
    FROM (SELECT ticket_id, array_agg(terms ORDER BY id) AS terms, array_agg(search_words_kind(message_id, internal) ORDER BY id) AS kinds
          FROM new_docs WHERE terms IS NOT NULL AND ticket_id <> ALL (rest) GROUP BY ticket_id) n
    WHERE sw.ticket_id = n.ticket_id;
    INSERT INTO search_words AS sw (ticket_id, words)
    SELECT ticket_id, search_words_of(array_agg(terms ORDER BY id), array_agg(search_words_kind(message_id, internal) ORDER BY id), 0)
    FROM new_docs WHERE terms IS NOT NULL AND ticket_id <> ALL (rest)
        AND NOT EXISTS (SELECT 1 FROM search_words x WHERE x.ticket_id = new_docs.ticket_id) GROUP BY ticket_id
    ON CONFLICT (ticket_id) DO UPDATE SET words = search_words_append(sw.words, EXCLUDED.words);
    IF cardinality(rest) > 0 THEN
        PERFORM search_ticket_refresh(rest);
    END IF;
    RETURN NULL;
END
$$;

-- Every existing ticket's row, built once (a few minutes at a million
-- tickets). Documents wait meanwhile: a reply committed by an instance
-- still running the version before, outside the build's snapshot, would
-- have its words missing from the row for good (appends keep what they
-- find).
LOCK TABLE search_docs IN SHARE MODE;
INSERT INTO search_words (ticket_id, words)
SELECT ticket_id, search_words_of(array_agg(terms ORDER BY id), array_agg(search_words_kind(message_id, internal) ORDER BY id), 0)
FROM search_docs WHERE terms IS NOT NULL GROUP BY ticket_id;
ANALYZE search_words;

-- Relevance at a million tickets (issue 13): search_terms holds each
-- ticket's search terms in one row, rowid = the ticket's id, the text its
-- full-text document is made of: the subject's terms, the public
-- messages' and the internal notes', each document's joined with the
-- private-use separator of 0046. Ranking the newest 2,000 matches counts
-- their words (ticket/rank.go): read from search_docs that was about 8,000
-- rows found through the index on ticket_id, each a look-up of its own,
-- with the documents' bodies beside their terms; here it is 2,000 rows by
-- rowid, about half the time. search_docs stays the source of truth: the
-- triggers below keep a ticket's row in the writing transaction whenever
-- its documents change, as they do its full-text document — a new
-- document's terms appended, any other change rebuilding the row (the
-- importer writes new tickets' rows itself, like their documents: 0050,
-- ticket/searchdoc.go). The subject is a column of its own because a rank
-- weighs it more than a message.
CREATE TABLE search_terms (
    ticket_id INTEGER PRIMARY KEY,
    subject   TEXT,
    visible   TEXT,
    notes     TEXT
);

DROP TRIGGER search_docs_ai;
DROP TRIGGER search_docs_ad;
DROP TRIGGER search_docs_au;

-- A new document has the ticket's highest id, so the insert trigger
-- appends its terms to the row (a reply does not read the ticket's other
-- documents again); the others rebuild it.
CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs WHEN NOT EXISTS (SELECT 1 FROM search_fts_deferred) BEGIN
    INSERT OR IGNORE INTO search_terms (ticket_id) VALUES (new.ticket_id);
    UPDATE search_terms SET
        subject = CASE WHEN new.message_id IS NULL AND NOT new.internal THEN COALESCE(subject || ' ' || char(57344) || ' ', '') || new.terms ELSE subject END,
        visible = CASE WHEN new.message_id IS NOT NULL AND NOT new.internal THEN COALESCE(visible || ' ' || char(57344) || ' ', '') || new.terms ELSE visible END,
        notes = CASE WHEN new.internal THEN COALESCE(notes || ' ' || char(57344) || ' ', '') || new.terms ELSE notes END
    WHERE ticket_id = new.ticket_id AND new.terms IS NOT NULL;
    DELETE FROM search_fts_ticket WHERE rowid = new.ticket_id;
    INSERT INTO search_fts_ticket (rowid, visible, notes)
    SELECT new.ticket_id,
           group_concat(CASE WHEN NOT internal THEN terms END, ' ' || char(57344) || ' '),
           group_concat(CASE WHEN internal THEN terms END, ' ' || char(57344) || ' ')
    FROM search_docs WHERE ticket_id = new.ticket_id;
END;
CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
    DELETE FROM search_terms WHERE ticket_id = old.ticket_id;
    INSERT INTO search_terms (ticket_id, subject, visible, notes)
    SELECT ticket_id,
           group_concat(CASE WHEN message_id IS NULL AND NOT internal THEN terms END, ' ' || char(57344) || ' '),
           group_concat(CASE WHEN message_id IS NOT NULL AND NOT internal THEN terms END, ' ' || char(57344) || ' '),
           group_concat(CASE WHEN internal THEN terms END, ' ' || char(57344) || ' ')
    FROM (SELECT ticket_id, message_id, internal, terms FROM search_docs WHERE ticket_id = old.ticket_id ORDER BY id)
    GROUP BY ticket_id;
    DELETE FROM search_fts_ticket WHERE rowid = old.ticket_id;
    INSERT INTO search_fts_ticket (rowid, visible, notes)
    SELECT old.ticket_id,
           group_concat(CASE WHEN NOT internal THEN terms END, ' ' || char(57344) || ' '),
           group_concat(CASE WHEN internal THEN terms END, ' ' || char(57344) || ' ')
    FROM search_docs WHERE ticket_id = old.ticket_id HAVING COUNT(*) > 0;
END;
CREATE TRIGGER search_docs_au AFTER UPDATE OF ticket_id, message_id, internal, terms ON search_docs BEGIN
    DELETE FROM search_terms WHERE ticket_id IN (old.ticket_id, new.ticket_id);
    INSERT INTO search_terms (ticket_id, subject, visible, notes)
    SELECT ticket_id,
           group_concat(CASE WHEN message_id IS NULL AND NOT internal THEN terms END, ' ' || char(57344) || ' '),
           group_concat(CASE WHEN message_id IS NOT NULL AND NOT internal THEN terms END, ' ' || char(57344) || ' '),
           group_concat(CASE WHEN internal THEN terms END, ' ' || char(57344) || ' ')
    FROM (SELECT ticket_id, message_id, internal, terms FROM search_docs WHERE ticket_id IN (old.ticket_id, new.ticket_id) ORDER BY ticket_id, id)
    GROUP BY ticket_id;
    DELETE FROM search_fts_ticket WHERE rowid IN (old.ticket_id, new.ticket_id);
    INSERT INTO search_fts_ticket (rowid, visible, notes)
    SELECT ticket_id,
           group_concat(CASE WHEN NOT internal THEN terms END, ' ' || char(57344) || ' '),
           group_concat(CASE WHEN internal THEN terms END, ' ' || char(57344) || ' ')
    FROM search_docs WHERE ticket_id IN (old.ticket_id, new.ticket_id) GROUP BY ticket_id;
END;

-- Every existing ticket's row, built once.
INSERT INTO search_terms (ticket_id, subject, visible, notes)
SELECT ticket_id,
       group_concat(CASE WHEN message_id IS NULL AND NOT internal THEN terms END, ' ' || char(57344) || ' '),
       group_concat(CASE WHEN message_id IS NOT NULL AND NOT internal THEN terms END, ' ' || char(57344) || ' '),
       group_concat(CASE WHEN internal THEN terms END, ' ' || char(57344) || ' ')
FROM (SELECT ticket_id, message_id, internal, terms FROM search_docs ORDER BY ticket_id, id)
GROUP BY ticket_id;

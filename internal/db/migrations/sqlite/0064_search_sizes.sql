-- Relevance without the document separator in its match (issue 13). A
-- ranked search counts a ticket's words per document, so it must know
-- where each document of the ticket's full-text document ends. It found
-- that out by matching the separator token between documents beside the
-- query's words (0061), and the separator is in every document of every
-- ticket: read newest first alongside two words, FTS5 stepped back
-- through the separator's whole doclist between their matches, more than
-- half of the match's time. search_sizes holds instead each ticket's
-- documents' sizes in words, per column of search_fts_ticket, in the
-- documents' order there (subject first, then by id), as a list of numbers
-- between single spaces: "7 31 12". A document's terms are words between
-- single spaces (search.Terms), so its size is its spaces plus one.
--
-- The search_docs triggers keep a ticket's row in the writing transaction
-- as they keep its full-text document; the importer writes new tickets'
-- rows itself (ticket/searchdoc.go), as it writes their documents.
CREATE TABLE search_sizes (
    ticket_id INTEGER PRIMARY KEY,
    visible   TEXT,
    notes     TEXT
);

DROP TRIGGER search_docs_ai;
DROP TRIGGER search_docs_ad;
DROP TRIGGER search_docs_au;

-- A new message's document (a reply, a note) comes after every other
-- document of its ticket: its size is appended to the ticket's row, which
-- a reply then does not read its ticket's documents again for. Any other
-- new document (a restore's, written in any order) rebuilds the row.
CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs WHEN NOT EXISTS (SELECT 1 FROM search_fts_deferred) BEGIN
    UPDATE search_sizes SET
        visible = CASE WHEN new.internal THEN visible
                       ELSE COALESCE(visible || ' ', '') || (CASE WHEN new.terms = '' THEN 0 ELSE length(new.terms) - length(replace(new.terms, ' ', '')) + 1 END) END,
        notes = CASE WHEN NOT new.internal THEN notes
                     ELSE COALESCE(notes || ' ', '') || (CASE WHEN new.terms = '' THEN 0 ELSE length(new.terms) - length(replace(new.terms, ' ', '')) + 1 END) END
    WHERE ticket_id = new.ticket_id AND new.message_id IS NOT NULL AND new.terms IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM search_docs WHERE ticket_id = new.ticket_id AND id > new.id);
    INSERT OR REPLACE INTO search_sizes (ticket_id, visible, notes)
    SELECT new.ticket_id,
           group_concat(CASE WHEN NOT internal THEN words END, ' '),
           group_concat(CASE WHEN internal THEN words END, ' ')
    FROM (SELECT internal, CASE WHEN terms = '' THEN 0 ELSE length(terms) - length(replace(terms, ' ', '')) + 1 END AS words
          FROM search_docs WHERE ticket_id = new.ticket_id
              AND (new.message_id IS NULL OR NOT EXISTS (SELECT 1 FROM search_sizes WHERE ticket_id = new.ticket_id)
                   OR EXISTS (SELECT 1 FROM search_docs WHERE ticket_id = new.ticket_id AND id > new.id))
          ORDER BY message_id IS NOT NULL, id)
    HAVING COUNT(*) > 0;
    DELETE FROM search_fts_ticket WHERE rowid = new.ticket_id;
    INSERT INTO search_fts_ticket (rowid, visible, notes)
    SELECT new.ticket_id,
           group_concat(CASE WHEN NOT internal THEN terms END, ' ' || char(57344) || ' '),
           group_concat(CASE WHEN internal THEN terms END, ' ' || char(57344) || ' ')
    FROM (SELECT internal, terms FROM search_docs WHERE ticket_id = new.ticket_id ORDER BY message_id IS NOT NULL, id);
END;
CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
    DELETE FROM search_sizes WHERE ticket_id = old.ticket_id;
    INSERT INTO search_sizes (ticket_id, visible, notes)
    SELECT old.ticket_id,
           group_concat(CASE WHEN NOT internal THEN words END, ' '),
           group_concat(CASE WHEN internal THEN words END, ' ')
    FROM (SELECT internal, CASE WHEN terms = '' THEN 0 ELSE length(terms) - length(replace(terms, ' ', '')) + 1 END AS words
          FROM search_docs WHERE ticket_id = old.ticket_id ORDER BY message_id IS NOT NULL, id)
    HAVING COUNT(*) > 0;
    DELETE FROM search_fts_ticket WHERE rowid = old.ticket_id;
    INSERT INTO search_fts_ticket (rowid, visible, notes)
    SELECT old.ticket_id,
           group_concat(CASE WHEN NOT internal THEN terms END, ' ' || char(57344) || ' '),
           group_concat(CASE WHEN internal THEN terms END, ' ' || char(57344) || ' ')
    FROM (SELECT internal, terms FROM search_docs WHERE ticket_id = old.ticket_id ORDER BY message_id IS NOT NULL, id)
    HAVING COUNT(*) > 0;
END;
CREATE TRIGGER search_docs_au AFTER UPDATE OF ticket_id, message_id, internal, terms ON search_docs BEGIN
    DELETE FROM search_sizes WHERE ticket_id IN (old.ticket_id, new.ticket_id);
    INSERT INTO search_sizes (ticket_id, visible, notes)
    SELECT ticket_id,
           group_concat(CASE WHEN NOT internal THEN words END, ' '),
           group_concat(CASE WHEN internal THEN words END, ' ')
    FROM (SELECT ticket_id, internal, CASE WHEN terms = '' THEN 0 ELSE length(terms) - length(replace(terms, ' ', '')) + 1 END AS words
          FROM search_docs WHERE ticket_id IN (old.ticket_id, new.ticket_id) ORDER BY ticket_id, message_id IS NOT NULL, id)
    GROUP BY ticket_id;
    DELETE FROM search_fts_ticket WHERE rowid IN (old.ticket_id, new.ticket_id);
    INSERT INTO search_fts_ticket (rowid, visible, notes)
    SELECT ticket_id,
           group_concat(CASE WHEN NOT internal THEN terms END, ' ' || char(57344) || ' '),
           group_concat(CASE WHEN internal THEN terms END, ' ' || char(57344) || ' ')
    FROM (SELECT ticket_id, internal, terms FROM search_docs WHERE ticket_id IN (old.ticket_id, new.ticket_id)
          ORDER BY ticket_id, message_id IS NOT NULL, id)
    GROUP BY ticket_id;
END;

-- Every existing ticket's row, built once.
INSERT INTO search_sizes (ticket_id, visible, notes)
SELECT ticket_id,
       group_concat(CASE WHEN NOT internal THEN words END, ' '),
       group_concat(CASE WHEN internal THEN words END, ' ')
FROM (SELECT ticket_id, internal, CASE WHEN terms = '' THEN 0 ELSE length(terms) - length(replace(terms, ' ', '')) + 1 END AS words
      FROM search_docs ORDER BY ticket_id, message_id IS NOT NULL, id)
GROUP BY ticket_id;

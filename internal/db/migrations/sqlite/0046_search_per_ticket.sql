-- Search at a million tickets (issue 13): one full-text document per
-- ticket, rowid = the ticket's id, so a search newest first streams the
-- index's doclist in rowid order and stops after a page instead of
-- collecting every match of a common word. Column visible holds the
-- subject and the public messages (what a requester may search), column
-- notes the internal notes. The documents are built from search_docs
-- (still one row per subject and message, the source of truth) by the
-- triggers below, in the writing transaction: a reply, a note, a subject
-- edit, a merge moving messages, the reindex job filling terms, and a
-- deleted ticket all go through search_docs. Each message's terms are
-- joined with a private-use character (U+E000), a token no query can
-- contain, so a phrase never matches across two messages. The table is
-- contentless (the text stays in search_docs) with contentless_delete, so
-- a document can be replaced without its old text.
DROP TRIGGER search_docs_ai;
DROP TRIGGER search_docs_ad;
DROP TRIGGER search_docs_au;
DROP TABLE search_fts;

CREATE VIRTUAL TABLE search_fts_ticket USING fts5 (visible, notes, content='', contentless_delete=1,
    tokenize='unicode61 remove_diacritics 0');

CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
    DELETE FROM search_fts_ticket WHERE rowid = new.ticket_id;
    INSERT INTO search_fts_ticket (rowid, visible, notes)
    SELECT new.ticket_id,
           group_concat(CASE WHEN NOT internal THEN terms END, ' ' || char(57344) || ' '),
           group_concat(CASE WHEN internal THEN terms END, ' ' || char(57344) || ' ')
    FROM search_docs WHERE ticket_id = new.ticket_id;
END;
CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
    DELETE FROM search_fts_ticket WHERE rowid = old.ticket_id;
    INSERT INTO search_fts_ticket (rowid, visible, notes)
    SELECT old.ticket_id,
           group_concat(CASE WHEN NOT internal THEN terms END, ' ' || char(57344) || ' '),
           group_concat(CASE WHEN internal THEN terms END, ' ' || char(57344) || ' ')
    FROM search_docs WHERE ticket_id = old.ticket_id HAVING COUNT(*) > 0;
END;
CREATE TRIGGER search_docs_au AFTER UPDATE OF ticket_id, internal, terms ON search_docs BEGIN
    DELETE FROM search_fts_ticket WHERE rowid IN (old.ticket_id, new.ticket_id);
    INSERT INTO search_fts_ticket (rowid, visible, notes)
    SELECT ticket_id,
           group_concat(CASE WHEN NOT internal THEN terms END, ' ' || char(57344) || ' '),
           group_concat(CASE WHEN internal THEN terms END, ' ' || char(57344) || ' ')
    FROM search_docs WHERE ticket_id IN (old.ticket_id, new.ticket_id) GROUP BY ticket_id;
END;

-- Every existing ticket's document, built once.
INSERT INTO search_fts_ticket (rowid, visible, notes)
SELECT ticket_id,
       group_concat(CASE WHEN NOT internal THEN terms END, ' ' || char(57344) || ' '),
       group_concat(CASE WHEN internal THEN terms END, ' ' || char(57344) || ' ')
FROM (SELECT ticket_id, internal, terms FROM search_docs ORDER BY ticket_id, id)
GROUP BY ticket_id;
INSERT INTO search_fts_ticket (search_fts_ticket) VALUES ('optimize');

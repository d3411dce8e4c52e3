-- Relevance counts words where the full-text index found them (issue 13).
-- A search by relevance ranks the newest 2,000 matches; it counted their
-- words in search_terms (0058), about 3.5 MB of terms read at every search
-- on a desk of a million tickets. It now counts them in the match itself:
-- FTS5 already holds where each phrase occurs in each document it reads
-- (db.FTS5Instances), and the separator between documents, a token of its
-- own, tells the documents apart (search.FTS5Counted). search_terms and
-- its upkeep at every write are gone.
--
-- The subject is the first document of the column visible: the documents
-- are now joined subject first, then in id order, where they were joined
-- in id order alone — a message merged in from an older ticket came before
-- the subject. The tickets whose documents were in that order are written
-- again below.
DROP TRIGGER search_docs_ai;
DROP TRIGGER search_docs_ad;
DROP TRIGGER search_docs_au;
DROP TABLE search_terms;

CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs WHEN NOT EXISTS (SELECT 1 FROM search_fts_deferred) BEGIN
    DELETE FROM search_fts_ticket WHERE rowid = new.ticket_id;
    INSERT INTO search_fts_ticket (rowid, visible, notes)
    SELECT new.ticket_id,
           group_concat(CASE WHEN NOT internal THEN terms END, ' ' || char(57344) || ' '),
           group_concat(CASE WHEN internal THEN terms END, ' ' || char(57344) || ' ')
    FROM (SELECT internal, terms FROM search_docs WHERE ticket_id = new.ticket_id ORDER BY message_id IS NOT NULL, id);
END;
CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
    DELETE FROM search_fts_ticket WHERE rowid = old.ticket_id;
    INSERT INTO search_fts_ticket (rowid, visible, notes)
    SELECT old.ticket_id,
           group_concat(CASE WHEN NOT internal THEN terms END, ' ' || char(57344) || ' '),
           group_concat(CASE WHEN internal THEN terms END, ' ' || char(57344) || ' ')
    FROM (SELECT internal, terms FROM search_docs WHERE ticket_id = old.ticket_id ORDER BY message_id IS NOT NULL, id)
    HAVING COUNT(*) > 0;
END;
CREATE TRIGGER search_docs_au AFTER UPDATE OF ticket_id, message_id, internal, terms ON search_docs BEGIN
    DELETE FROM search_fts_ticket WHERE rowid IN (old.ticket_id, new.ticket_id);
    INSERT INTO search_fts_ticket (rowid, visible, notes)
    SELECT ticket_id,
           group_concat(CASE WHEN NOT internal THEN terms END, ' ' || char(57344) || ' '),
           group_concat(CASE WHEN internal THEN terms END, ' ' || char(57344) || ' ')
    FROM (SELECT ticket_id, internal, terms FROM search_docs WHERE ticket_id IN (old.ticket_id, new.ticket_id)
          ORDER BY ticket_id, message_id IS NOT NULL, id)
    GROUP BY ticket_id;
END;

-- Tickets with a public message older than their subject's document.
CREATE TEMP TABLE search_reordered AS
SELECT s.ticket_id FROM search_docs s
WHERE s.message_id IS NULL AND NOT s.internal
  AND EXISTS (SELECT 1 FROM search_docs m WHERE m.ticket_id = s.ticket_id AND m.id < s.id AND NOT m.internal);
DELETE FROM search_fts_ticket WHERE rowid IN (SELECT ticket_id FROM temp.search_reordered);
INSERT INTO search_fts_ticket (rowid, visible, notes)
SELECT ticket_id,
       group_concat(CASE WHEN NOT internal THEN terms END, ' ' || char(57344) || ' '),
       group_concat(CASE WHEN internal THEN terms END, ' ' || char(57344) || ' ')
FROM (SELECT ticket_id, internal, terms FROM search_docs WHERE ticket_id IN (SELECT ticket_id FROM temp.search_reordered)
      ORDER BY ticket_id, message_id IS NOT NULL, id)
GROUP BY ticket_id;
DROP TABLE temp.search_reordered;

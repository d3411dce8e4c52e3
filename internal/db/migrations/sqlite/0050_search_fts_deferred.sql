-- Bulk writes into the per-ticket search index (issue 13, `docket seed`).
-- The insert trigger of 0046 replaces a ticket's FTS5 document at every
-- search document inserted: a ticket written with four messages has its
-- document written four times, and FTS5 flushes its pending terms each
-- time a rowid is written again, so a batch of thousands of tickets leaves
-- thousands of tiny segments to merge. While search_fts_deferred holds its
-- one row, the insert trigger does nothing: ticket.Importer sets it inside
-- its own transaction, inserts the batch's search documents, clears it and
-- writes each new ticket's document once (ticket/searchdoc.go, query
-- search-fts-ticket-docs, the same document this trigger builds: a test
-- compares the two statements). The row never outlives that transaction.
CREATE TABLE search_fts_deferred (deferred INTEGER PRIMARY KEY CHECK (deferred = 1));

DROP TRIGGER search_docs_ai;
CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs WHEN NOT EXISTS (SELECT 1 FROM search_fts_deferred) BEGIN
    DELETE FROM search_fts_ticket WHERE rowid = new.ticket_id;
    INSERT INTO search_fts_ticket (rowid, visible, notes)
    SELECT new.ticket_id,
           group_concat(CASE WHEN NOT internal THEN terms END, ' ' || char(57344) || ' '),
           group_concat(CASE WHEN internal THEN terms END, ' ' || char(57344) || ' ')
    FROM search_docs WHERE ticket_id = new.ticket_id;
END;

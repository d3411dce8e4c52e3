package ticket

import (
	"context"
	"fmt"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/search"
)

// The search index's rows are built and written here only — by the
// service's writes and the importer alike — so a change to search_docs
// touches this file.

// searchDoc is a search_docs row's text and its search terms.
type searchDoc struct {
	body, terms string
}

func newSearchDoc(body string) searchDoc { return searchDoc{body, search.Terms(body)} }

// searchRow is a search_docs row to insert.
type searchRow struct {
	ticketID, messageID int64
	internal            bool
	doc                 searchDoc
}

// insertSearchDocs is the one writer of new search documents, in order,
// with as few statements as it can. On SQLite every statement a
// transaction runs after writing to the full-text index makes it flush its
// pending terms, so a write puts its documents in one statement, and an
// importer writing thousands writes them together, after its other rows.
func (s *Service) insertSearchDocs(ctx context.Context, tx *db.Tx, rows []searchRow) error {
	args := make([]any, 0, 5*len(rows))
	for _, r := range rows {
		args = append(args, r.ticketID, nullID(r.messageID), r.internal, r.doc.body, r.doc.terms)
	}
	if _, err := s.insertRows(ctx, tx, "insert-search-doc", 5, args, false); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

// SQLite statements of insertNewTicketsDocs; see migration 0050.
const (
	// docSeparatorSQL is search.DocSeparator between single spaces, in SQL,
	// as the triggers write it.
	docSeparatorSQL  = "' ' || char(57344) || ' '"
	deferSearchFTS   = `INSERT INTO search_fts_deferred (deferred) VALUES (1)`
	undeferSearchFTS = `DELETE FROM search_fts_deferred`
	// searchFTSNewTickets writes the full-text documents of the new tickets
	// with ids ?1 to ?2, one per ticket in rowid order: the document the
	// search_docs insert trigger builds (the same expressions, which a test
	// compares with the trigger's), each ticket's documents subject first,
	// then in id order, as the triggers join them (migration 0061).
	searchFTSNewTickets = `INSERT INTO search_fts_ticket (rowid, visible, notes)
SELECT ticket_id,
       group_concat(CASE WHEN NOT internal THEN terms END, ` + docSeparatorSQL + `),
       group_concat(CASE WHEN internal THEN terms END, ` + docSeparatorSQL + `)
FROM (SELECT ticket_id, internal, terms FROM search_docs WHERE ticket_id BETWEEN ?1 AND ?2 ORDER BY ticket_id, message_id IS NOT NULL, id)
GROUP BY ticket_id`
	// searchSizesNewTickets writes the same tickets' search_sizes rows
	// (migration 0064): each column's documents' sizes in words, in the
	// same order, as the triggers write them.
	searchSizesNewTickets = `INSERT INTO search_sizes (ticket_id, visible, notes)
SELECT ticket_id,
       group_concat(CASE WHEN NOT internal THEN words END, ' '),
       group_concat(CASE WHEN internal THEN words END, ' ')
FROM (SELECT ticket_id, internal, CASE WHEN terms = '' THEN 0 ELSE length(terms) - length(replace(terms, ' ', '')) + 1 END AS words
      FROM search_docs WHERE ticket_id BETWEEN ?1 AND ?2 ORDER BY ticket_id, message_id IS NOT NULL, id)
GROUP BY ticket_id`
)

// insertNewTicketsDocs inserts the search documents of tickets created in
// tx, rows in ticket order. On SQLite the insert trigger would replace a
// ticket's full-text document at each of its rows, and FTS5 flushes its
// pending terms whenever a rowid is written again; instead the trigger is
// held off while the rows go in and each ticket's document (and its
// search_sizes row) is written once, after them.
func (s *Service) insertNewTicketsDocs(ctx context.Context, tx *db.Tx, rows []searchRow) error {
	if s.db.Dialect != db.SQLite || len(rows) == 0 {
		return s.insertSearchDocs(ctx, tx, rows)
	}
	if _, err := tx.ExecContext(ctx, deferSearchFTS); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	if err := s.insertSearchDocs(ctx, tx, rows); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, undeferSearchFTS); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	lo, hi := rows[0].ticketID, rows[len(rows)-1].ticketID
	if _, err := tx.ExecContext(ctx, searchSizesNewTickets, lo, hi); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	if _, err := tx.ExecContext(ctx, searchFTSNewTickets, lo, hi); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

// updateSubjectDoc re-indexes a ticket's changed subject.
func (s *Service) updateSubjectDoc(ctx context.Context, tx *db.Tx, ticketID int64, d searchDoc) error {
	if _, err := tx.ExecContext(ctx, s.q.Get("update-subject-doc"), ticketID, d.body, d.terms); err != nil {
		return fmt.Errorf("index subject: %w", err)
	}
	return nil
}

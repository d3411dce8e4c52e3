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
	for len(rows) > 0 {
		n := min(len(rows), rowsPerInsert)
		args := make([]any, 0, 5*n)
		for _, r := range rows[:n] {
			args = append(args, r.ticketID, nullID(r.messageID), r.internal, r.doc.body, r.doc.terms)
		}
		if _, err := tx.ExecContext(ctx, s.rowsQuery("insert-search-doc", n), args...); err != nil {
			return fmt.Errorf("index: %w", err)
		}
		rows = rows[n:]
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

package ticket

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

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

// insertSearchDoc indexes a ticket's subject (messageID 0) or a message.
func (s *Service) insertSearchDoc(ctx context.Context, tx *db.Tx, ticketID, messageID int64, internal bool, d searchDoc) error {
	return s.insertSearchDocs(ctx, tx, []searchRow{{ticketID, messageID, internal, d}})
}

// searchRow is a search_docs row to insert.
type searchRow struct {
	ticketID, messageID int64
	internal            bool
	doc                 searchDoc
}

// docsPerInsert bounds the rows of one multi-row insert.
const docsPerInsert = 200

var placeholder = regexp.MustCompile(`[$?]([0-9]+)`)

// insertSearchDocs is the one writer of new search documents: one row with
// the named statement, more with multi-row inserts derived from it, in
// order. On SQLite every statement a transaction runs after writing to the
// full-text index makes it flush its pending terms, so an importer writing
// thousands of documents writes them together, after its other rows.
func (s *Service) insertSearchDocs(ctx context.Context, tx *db.Tx, rows []searchRow) error {
	one := s.q.Get("insert-search-doc")
	for len(rows) > 0 {
		n := min(len(rows), docsPerInsert)
		q := one
		if n > 1 {
			head, tuple, _ := strings.Cut(strings.TrimRight(strings.TrimSpace(one), ";"), "VALUES")
			var b strings.Builder
			b.WriteString(head + "VALUES")
			for k := range n {
				if k > 0 {
					b.WriteByte(',')
				}
				b.WriteString(placeholder.ReplaceAllStringFunc(tuple, func(p string) string {
					i, _ := strconv.Atoi(p[1:])
					return p[:1] + strconv.Itoa(i+5*k)
				}))
			}
			q = b.String()
		}
		args := make([]any, 0, 5*n)
		for _, r := range rows[:n] {
			args = append(args, r.ticketID, nullID(r.messageID), r.internal, r.doc.body, r.doc.terms)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
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

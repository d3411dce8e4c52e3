package ticket

import (
	"context"
	"fmt"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/search"
)

// ReindexJob is the kind of the job that indexes search documents written
// before their terms were stemmed (migration 0025 left them unindexed).
const ReindexJob = "search.reindex"

// reindexBatch is how many documents one transaction indexes.
const reindexBatch = 500

// IndexPending indexes every search document that has no terms yet, a
// batch per transaction, and returns how many it indexed.
func (s *Service) IndexPending(ctx context.Context) (int, error) {
	total := 0
	for {
		n := 0
		err := s.db.WithTx(ctx, func(tx *db.Tx) error {
			rows, err := tx.QueryContext(ctx, s.q.Get("unindexed-search-docs"), reindexBatch)
			if err != nil {
				return err
			}
			type doc struct {
				id   int64
				body string
			}
			docs, err := db.Collect(rows, func(r db.Scanner) (doc, error) {
				var d doc
				return d, r.Scan(&d.id, &d.body)
			})
			if err != nil {
				return err
			}
			for _, d := range docs {
				if _, err := tx.ExecContext(ctx, s.q.Get("index-search-doc"), d.id, search.Terms(d.body)); err != nil {
					return err
				}
			}
			n = len(docs)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("ticket: index search documents: %w", err)
		}
		total += n
		if n < reindexBatch {
			return total, nil
		}
	}
}

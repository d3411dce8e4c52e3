package attachment

import (
	"context"
	"fmt"
	"time"

	"github.com/docket/docket/internal/db"
)

// PruneUnattached deletes the files uploaded before cutoff that never
// became part of a message (a reply never sent, an import that failed half
// way), and their content unless another attachment has the same content.
// It reports how many it deleted.
func (s *Service) PruneUnattached(ctx context.Context, cutoff time.Time) (int64, error) {
	var total int64
	for {
		rows, err := s.db.R.QueryContext(ctx, s.q.Get("unattached"), cutoff.UnixMicro())
		if err != nil {
			return total, fmt.Errorf("attachment: prune: %w", err)
		}
		type upload struct{ id, sum string }
		ups, err := db.Collect(rows, func(sc db.Scanner) (upload, error) {
			var u upload
			return u, sc.Scan(&u.id, &u.sum)
		})
		if err != nil {
			return total, fmt.Errorf("attachment: prune: %w", err)
		}
		for _, u := range ups {
			deleted, err := s.prune(ctx, u.id, u.sum)
			if err != nil {
				return total, fmt.Errorf("attachment: prune %s: %w", u.id, err)
			}
			if deleted {
				total++
			}
		}
		if len(ups) < 100 {
			return total, nil
		}
	}
}

// prune deletes one unattached file, and its content when nothing else
// names it, under the lock Save takes for the same content: an upload of
// the same bytes either sees the content gone and stores it again, or
// counts as a row naming it.
func (s *Service) prune(ctx context.Context, id, sum string) (deleted bool, err error) {
	err = s.db.WithTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q.Get("lock-content"), sum); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q.Get("delete-unattached"), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // attached meanwhile
		}
		deleted = true
		var used int
		if err := tx.QueryRowContext(ctx, s.q.Get("content-used"), sum).Scan(&used); err != nil {
			return err
		}
		if used > 0 {
			return nil
		}
		// Last, just before commit: should the commit fail, the row still
		// names missing content, but it is an abandoned upload that the
		// next pass deletes.
		return s.store.Delete(db.WithinTx(ctx, tx), sum)
	})
	return deleted, err
}

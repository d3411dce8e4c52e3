package ticket

import (
	"context"
	"fmt"
	"time"

	"github.com/docket/docket/internal/db"
)

// Keeping SQLite's full-text index in few segments (issue 13, search).
// FTS5 writes every transaction's new terms as a segment of their own and
// merges segments as they pile up: 16 of a level at a time (migration
// 0053), so that a write seldom pays for a merge. A search pays instead:
// each query looks its words up in every segment, and on a
// million-ticket desk with 25 segments (three of 150 MB, fourteen of 9 MB)
// a query over a range of ids cost 1.1 ms whatever the range held; with
// the big segments merged, 0.1–0.3 ms, and a search of the agent's
// default list about half its time.
//
// The merging FTS5 leaves undone is done here, in the background, by the
// "merge" command: a step writes about mergeStep pages of merged segments
// in a short transaction of its own, and a level is merged whenever it
// holds two segments (usermerge 2, migration 0057). FTS5 keeps its levels
// roughly in size order, so the big segment is rewritten only when the
// rest have grown about as big: the index stays at a few segments, and
// each word is rewritten about once per doubling of the index.

// MergeIndexJob is the kind of the job that merges the full-text index's
// segments (SQLite; nothing to do on PostgreSQL, whose GIN index has no
// segments).
const MergeIndexJob = "search.merge"

// MergeIndexEvery is how often the job runs, and MergeIndexBudget how
// long one run may keep merging: at most about 2 % of the single writer's
// time, in steps other writes queue between; the whole index of a
// million tickets (24 s of merging) within half an hour of an upgrade,
// and few job rows (one every five minutes).
const (
	MergeIndexEvery  = 5 * time.Minute
	MergeIndexBudget = 5 * time.Second
)

// mergeStep is how many pages one step of a merge writes: steps of 1,000
// pages took 130–170 ms of the writer at a million tickets, so a fifth of
// that keeps the writes waiting behind a step to a few tens of
// milliseconds (a variable so tests can make it small).
var mergeStep = 200

// MergeIndex merges the full-text index's segments a step at a time, each
// in a transaction of its own, until no level holds two segments or
// budget is spent (0: no bound). It returns how many steps did work and
// whether the merging is done.
func (s *Service) MergeIndex(ctx context.Context, budget time.Duration) (steps int, done bool, err error) {
	if s.db.Dialect != db.SQLite {
		return 0, true, nil
	}
	start := time.Now()
	for {
		if err := ctx.Err(); err != nil {
			return steps, false, err
		}
		var before, after int64
		err := s.db.WithTxAlone(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&before); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO search_fts_ticket (search_fts_ticket, rank) VALUES ('merge', $1)`, mergeStep); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&after)
		})
		if err != nil {
			return steps, false, fmt.Errorf("ticket: merge the search index: %w", err)
		}
		// FTS5's documented test: a step that found nothing to merge
		// changes fewer than two rows.
		if after-before < 2 {
			return steps, true, nil
		}
		steps++
		if budget > 0 && time.Since(start) >= budget {
			return steps, false, nil
		}
	}
}

package outbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/job"
)

// errNotWaiting means a row is sent, failed or gone: nothing to send.
var errNotWaiting = errors.New("outbox: email is not waiting to be sent")

// start marks row id "sending", counts the attempt and returns the row;
// errNotWaiting when it is no longer waiting to be sent.
func (s *Store) start(ctx context.Context, id int64) (*row, error) {
	res, err := s.db.W.ExecContext(ctx, s.q.Get("outbox-start"), id)
	if err != nil {
		return nil, fmt.Errorf("outbox: start %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, errNotWaiting
	}
	r, err := s.get(ctx, s.db.R, id)
	if errors.Is(err, fault.ErrNotFound) { // deleted with its ticket just now
		return nil, errNotWaiting
	}
	return r, err
}

// sent records that row id was sent at now. A row that failed meanwhile (a
// bounce came back already) keeps its failure.
func (s *Store) sent(ctx context.Context, id int64, now time.Time) error {
	_, err := s.db.W.ExecContext(ctx, s.q.Get("outbox-sent"), id, now.UnixMicro())
	return err
}

// retry records a temporary failure; next is when the job runs again.
func (s *Store) retry(ctx context.Context, id int64, next time.Time, reason string) error {
	_, err := s.db.W.ExecContext(ctx, s.q.Get("outbox-retry"), id, next.UnixMicro(), reason)
	return err
}

// failed records that row id will not be sent.
func (s *Store) failed(ctx context.Context, id int64, reason string) error {
	_, err := s.db.W.ExecContext(ctx, s.q.Get("outbox-failed"), id, reason)
	return err
}

// ReconcileJob is the kind of the periodic job that runs Reconcile.
const ReconcileJob = "email.reconcile"

// Reconcile settles the rows waiting to be sent that have no send job
// waiting or running. A row written by a version that sent without jobs
// (or whose job was pruned) gets a job now. A row whose last job ended
// without recording the end on the row — an admin cancelled it, or it
// failed because its runner died during the last attempt — fails with
// that job's reason. It reports how many rows it queued and failed.
func (s *Store) Reconcile(ctx context.Context) (queued, failed int, err error) {
	var after int64
	for {
		ids, err := s.withoutJob(ctx, after)
		if err != nil || len(ids) == 0 {
			return queued, failed, err
		}
		after = ids[len(ids)-1]
		var send []int64
		for _, id := range ids {
			var state, lastErr string
			err := s.db.R.QueryRowContext(ctx, s.q.Get("last-send-job"), SendJob, sendKey(id)).Scan(&state, &lastErr)
			reason := ""
			switch {
			case errors.Is(err, sql.ErrNoRows):
				send = append(send, id)
			case err != nil:
				return queued, failed, fmt.Errorf("outbox: reconcile %d: %w", id, err)
			case state == job.Cancelled:
				reason = "sending was cancelled"
			case state == job.Failed:
				reason = lastErr
				if reason == "" {
					reason = "sending failed"
				}
			default: // finished without sending it, or queued meanwhile
				send = append(send, id)
			}
			if reason != "" {
				if _, err := s.db.W.ExecContext(ctx, s.q.Get("outbox-abandon"), id, truncate(reason, 1000)); err != nil {
					return queued, failed, fmt.Errorf("outbox: reconcile %d: %w", id, err)
				}
				failed++
			}
		}
		if len(send) > 0 {
			err := s.db.WithTx(ctx, func(tx *db.Tx) error {
				for _, id := range send {
					if err := s.queueSend(ctx, tx, id); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return queued, failed, fmt.Errorf("outbox: reconcile: %w", err)
			}
			queued += len(send)
		}
	}
}

func (s *Store) withoutJob(ctx context.Context, after int64) ([]int64, error) {
	rows, err := s.db.R.QueryContext(ctx, s.q.Get("outbox-without-job"), after, SendJob+":")
	if err != nil {
		return nil, fmt.Errorf("outbox: reconcile: %w", err)
	}
	return db.Collect(rows, db.Int64)
}

// PruneSent deletes the rows sent before cutoff and reports how many.
// Failed rows stay: they explain what did not arrive.
func (s *Store) PruneSent(ctx context.Context, cutoff time.Time) (int64, error) {
	var total int64
	for {
		res, err := s.db.W.ExecContext(ctx, s.q.Get("prune-sent"), cutoff.UnixMicro())
		if err != nil {
			return total, fmt.Errorf("outbox: prune: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
		if n < 1000 {
			return total, nil
		}
	}
}

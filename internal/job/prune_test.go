package job_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/job"
)

// Prune deletes the completed and cancelled jobs that finished before the
// cutoff, and keeps newer ones, failed ones and those not finished.
func TestPrune(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q, r := setup(t, d, "a", job.Options{})
		r.Register("ok", job.Kind{Handler: func(context.Context, *job.Job) error { return nil }})
		r.Register("bad", job.Kind{Handler: func(context.Context, *job.Job) error { return job.Permanent(errors.New("no")) }})
		insert := func(kind string, at time.Time) int64 {
			t.Helper()
			id, err := q.InsertNow(ctx, job.New{Kind: kind, RunAt: at})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		now := time.Now()
		oldDone, newDone, oldFailed := insert("ok", time.Time{}), insert("ok", time.Time{}), insert("bad", time.Time{})
		oldCancelled := insert("ok", now.Add(time.Hour))
		if err := q.Cancel(ctx, oldCancelled); err != nil {
			t.Fatal(err)
		}
		waiting := insert("ok", now.Add(time.Hour))
		start(t, r)
		waitFor(t, "the due jobs to finish", func() bool {
			return state(t, q, oldDone).FinishedAt != nil && state(t, q, newDone).FinishedAt != nil && state(t, q, oldFailed).FinishedAt != nil
		})
		week := 7 * 24 * time.Hour
		for _, id := range []int64{oldDone, oldFailed, oldCancelled} {
			if _, err := d.W.ExecContext(ctx, d.Rebind(`UPDATE jobs SET finished_at = $2 WHERE id = $1`), id,
				now.Add(-week-time.Hour).UnixMicro()); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := q.Prune(ctx, now.Add(-week)); err != nil {
			t.Fatal(err)
		}
		for id, kept := range map[int64]bool{oldDone: false, oldCancelled: false, newDone: true, oldFailed: true, waiting: true} {
			if _, err := q.Get(ctx, id); (err == nil) != kept {
				t.Errorf("job %d: kept %v, want %v (%v)", id, err == nil, kept, err)
			}
		}
	})
}

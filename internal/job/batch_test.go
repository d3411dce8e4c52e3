package job_test

import (
	"context"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/job"
)

// TestInsertAllAndTakeDue queues several jobs in one statement, leaving
// out one whose key is queued already, then takes the due ones into a
// transaction: rolled back they stay queued, committed they are done,
// and a job for later is not taken.
func TestInsertAllAndTakeDue(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q, _ := setup(t, d, "a", job.Options{})
		if _, err := q.InsertNow(ctx, job.New{Kind: "tick", UniqueKey: "tick:1"}); err != nil {
			t.Fatal(err)
		}
		err := d.WithTx(ctx, func(tx *db.Tx) error {
			return q.InsertAll(ctx, tx,
				job.New{Kind: "tick", UniqueKey: "tick:1", Args: "duplicate"},
				job.New{Kind: "tick", UniqueKey: "tick:2", Args: "two"},
				job.New{Kind: "tick", Args: "three"},
				job.New{Kind: "tick", Args: "later", RunAt: time.Now().Add(time.Hour)})
		})
		if err != nil {
			t.Fatal(err)
		}
		js, err := q.List(ctx, job.Filter{Kind: "tick"})
		if err != nil {
			t.Fatal(err)
		}
		if len(js) != 4 {
			t.Fatalf("%d jobs queued, want 4 (the duplicate key left out)", len(js))
		}
		take := func(commit bool) []*job.Job {
			var taken []*job.Job
			_ = d.WithTx(ctx, func(tx *db.Tx) error {
				var err error
				if taken, err = q.TakeDue(ctx, tx, "tick", 10); err != nil {
					t.Fatal(err)
				}
				if !commit {
					return context.Canceled
				}
				return nil
			})
			return taken
		}
		if n := len(take(false)); n != 3 {
			t.Fatalf("took %d due jobs, want 3", n)
		}
		taken := take(true)
		if len(taken) != 3 {
			t.Fatalf("after a rollback took %d due jobs, want the same 3", len(taken))
		}
		for _, j := range taken {
			if s := state(t, q, j.ID).State; s != job.Completed || string(j.Args) == `"later"` {
				t.Errorf("job %d (%s) is %s after the commit", j.ID, j.Args, s)
			}
		}
		if n := len(take(true)); n != 0 {
			t.Fatalf("took %d jobs again, want none", n)
		}
	})
}

package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/docket/docket/internal/db"
)

// TestAloneCallIsABatchOfItsOwn: a WithTxAlone call queued behind other
// writes neither joins their batch nor lets later calls join its own; its
// fn runs outside any savepoint (a long import's statements would each
// walk the savepoint's statement journal); its error rolls back all its
// writes and reaches only its caller.
func TestAloneCallIsABatchOfItsOwn(t *testing.T) {
	d := openSQLite(t)
	ctx := context.Background()
	insert := func(tx *db.Tx, v int) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO n (v) VALUES ($1)`, v)
		return err
	}
	commits0, calls0 := d.Batches()
	release := blockWriter(t, d)
	results := make(chan error, 4)
	call := func(alone bool, fn func(tx *db.Tx) error) {
		with := d.WithTx
		if alone {
			with = d.WithTxAlone
		}
		go func() { results <- with(ctx, fn) }()
	}
	call(false, func(tx *db.Tx) error { return insert(tx, 1) })
	waitQueued(t, d, 1)
	var rollbackErr error
	call(true, func(tx *db.Tx) error {
		if err := insert(tx, 2); err != nil {
			return err
		}
		_, rollbackErr = tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT docket_nested`)
		return nil
	})
	waitQueued(t, d, 2)
	call(true, func(tx *db.Tx) error {
		if err := insert(tx, 3); err != nil {
			return err
		}
		return errors.New("import failed")
	})
	waitQueued(t, d, 3)
	call(false, func(tx *db.Tx) error { return insert(tx, 4) })
	waitQueued(t, d, 4)
	if err := release(); err != nil {
		t.Fatal(err)
	}
	failed := 0
	for range 4 {
		if err := <-results; err != nil {
			if err.Error() != "import failed" {
				t.Errorf("a call failed with %v", err)
			}
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("%d calls failed, want the failing import's only", failed)
	}
	if rollbackErr == nil {
		t.Error("ROLLBACK TO SAVEPOINT worked inside WithTxAlone: its fn ran in a savepoint")
	}
	if got := count(t, d); got != 3 {
		t.Errorf("%d rows, want 3 (1, 2 and 4; the failed import's 3 rolled back)", got)
	}
	// The blocker with the first call; the first import alone; the last
	// call (the failed import's transaction rolled back).
	if commits, calls := d.Batches(); commits-commits0 != 3 || calls-calls0 != 4 {
		t.Errorf("%d commits of %d calls, want 3 of 4", commits-commits0, calls-calls0)
	}
}

// TestAloneCallBehindACancelledOne: a WithTxAlone call queued behind a
// call whose context ended while it waited still leads a batch of its own
// and is answered. The leader used to look only at the queue's head (the
// cancelled call), take the alone call past it, run its fn inside the
// batch's transaction and never wake its caller: a periodic merge of the
// search index behind a timed-out request hung its job.
func TestAloneCallBehindACancelledOne(t *testing.T) {
	d := openSQLite(t)
	ctx := context.Background()
	release := blockWriter(t, d)
	// A batched call that will join the blocker's batch, so that the
	// leader goes on taking calls after the cancelled one.
	joined := make(chan error, 1)
	go func() {
		joined <- d.WithTx(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO n (v) VALUES (1)`)
			return err
		})
	}()
	waitQueued(t, d, 1)
	gone, cancel := context.WithCancel(ctx)
	cancelled := make(chan error, 1)
	go func() { cancelled <- d.WithTx(gone, func(tx *db.Tx) error { return nil }) }()
	waitQueued(t, d, 2)
	var rollbackErr error
	alone := make(chan error, 1)
	go func() {
		alone <- d.WithTxAlone(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO n (v) VALUES (2)`); err != nil {
				return err
			}
			_, rollbackErr = tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT docket_nested`)
			return nil
		})
	}()
	waitQueued(t, d, 3)
	cancel()
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: %v", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if err := <-joined; err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-alone:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the alone call behind a cancelled one was never answered")
	}
	if rollbackErr == nil {
		t.Error("the alone call's fn ran in a savepoint of another batch")
	}
	if got := count(t, d); got != 2 {
		t.Errorf("%d rows, want 2", got)
	}
}

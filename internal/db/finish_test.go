package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/docket/docket/internal/db"
)

// sumFinisher writes, when its transaction ends, the sum of the values
// its calls gave it as one more row of n (negated, so it cannot collide
// with theirs), and counts its runs.
type sumFinisher struct {
	d    *db.DB
	sum  int
	runs *int
	fail error
}

func (f *sumFinisher) Finish(ctx context.Context, tx *db.Tx) error {
	*f.runs++
	if f.fail != nil {
		return f.fail
	}
	return insert(ctx, f.d, tx, -f.sum)
}

// finisher returns tx's sumFinisher, registering one when there is none.
func finisher(d *db.DB, tx *db.Tx, runs *int, fail error) (*sumFinisher, bool) {
	f, fresh := tx.BeforeCommit("sum", func() db.Finisher { return &sumFinisher{d: d, runs: runs, fail: fail} })
	return f.(*sumFinisher), fresh
}

// The calls of a batch share one finisher, which runs once, after all of
// them, in their transaction: its row commits with theirs. A call that
// fails drops the finisher it registered, and the next call registers a
// new one; the calls after it add to that one.
func TestBatchFinisherRunsOnceBeforeTheCommit(t *testing.T) {
	d := openSQLite(t)
	ctx := context.Background()
	const calls = 6
	broken := errors.New("broken")
	runs, registered := 0, 0
	var mu sync.Mutex
	err := inOneBatch(t, d, calls, true, func(i int) {
		_ = d.WithTx(ctx, func(tx *db.Tx) error {
			f, fresh := finisher(d, tx, &runs, nil)
			if fresh {
				mu.Lock()
				registered++
				mu.Unlock()
			}
			f.sum += i + 1
			if err := insert(ctx, d, tx, i+1); err != nil {
				return err
			}
			if i == 0 {
				return broken // drops the finisher it registered
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if runs != 1 || registered != 2 {
		t.Fatalf("the finisher ran %d times and was registered %d times, want once and twice (again after the failed call)", runs, registered)
	}
	// Calls 1 to 5 wrote 2 to 6; the finisher registered by call 1 has
	// their sum.
	got := values(t, ctx, d.R)
	want := []int{-20, 2, 3, 4, 5, 6}
	if len(got) != len(want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("rows %v, want %v", got, want)
		}
	}
}

// A finisher that fails rolls back its transaction: on SQLite every call
// of the batch hears the error and nothing commits; on PostgreSQL the
// caller does.
func TestFailingFinisherRollsBackTheTransaction(t *testing.T) {
	ctx := context.Background()
	broken := errors.New("broken finisher")
	t.Run("batch", func(t *testing.T) {
		d := openSQLite(t)
		const calls = 4
		runs := 0
		errs := make([]error, calls)
		_ = inOneBatch(t, d, calls, true, func(i int) {
			errs[i] = d.WithTx(ctx, func(tx *db.Tx) error {
				finisher(d, tx, &runs, broken)
				return insert(ctx, d, tx, i+1)
			})
		})
		for i, err := range errs {
			if !errors.Is(err, broken) {
				t.Errorf("call %d: %v, want the finisher's error", i, err)
			}
		}
		if n := count(t, d); n != 0 || runs != 1 {
			t.Fatalf("%d rows committed, finisher ran %d times: want none, once", n, runs)
		}
	})
	eachDialect(t, func(t *testing.T, d *db.DB) {
		runs := 0
		err := d.WithTx(ctx, func(tx *db.Tx) error {
			// Registered inside a nested call, it runs at the outer commit.
			return d.WithTx(db.WithinTx(ctx, tx), func(tx *db.Tx) error {
				finisher(d, tx, &runs, broken)
				return insert(ctx, d, tx, 1)
			})
		})
		if !errors.Is(err, broken) || runs != 1 {
			t.Fatalf("WithTx: %v after %d runs, want the finisher's error after one", err, runs)
		}
		if got := values(t, ctx, d.R); len(got) != 0 {
			t.Fatalf("rows %v committed, want none", got)
		}
		if err := d.WithTx(ctx, func(tx *db.Tx) error {
			f, _ := finisher(d, tx, &runs, nil)
			f.sum = 7
			return insert(ctx, d, tx, 7)
		}); err != nil {
			t.Fatal(err)
		}
		if got := values(t, ctx, d.R); len(got) != 2 || got[0] != -7 {
			t.Fatalf("rows %v, want -7 and 7", got)
		}
	})
}

package db_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/docket/docket/internal/db"
)

// openSQLite opens an empty SQLite database with a table n (a unique
// integer), batches bounded only by count.
func openSQLite(t *testing.T) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), db.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.W.ExecContext(context.Background(), `CREATE TABLE n (v INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	db.SetBatchBounds(d, 64, time.Hour)
	return d
}

// blockWriter starts a WithTx whose fn waits for the returned release
// function, and returns once that fn holds the writer, so that the calls
// made next queue up and join its batch together.
func blockWriter(t *testing.T, d *db.DB) (release func() error) {
	t.Helper()
	held, free := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- d.WithTx(context.Background(), func(tx *db.Tx) error {
			close(held)
			<-free
			return nil
		})
	}()
	<-held
	return func() error { close(free); return <-done }
}

// inOneBatch runs call(0) … call(n-1), each in a goroutine of its own,
// while blockWriter holds the writer, so that they queue up and join one
// batch (queued in that order when ordered); then it frees the writer,
// waits for every call and returns the blocking call's result.
func inOneBatch(t *testing.T, d *db.DB, n int, ordered bool, call func(i int)) error {
	t.Helper()
	release := blockWriter(t, d)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			call(i)
		}()
		if ordered {
			waitQueued(t, d, i+1)
		}
	}
	if !ordered {
		waitQueued(t, d, n)
	}
	err := release()
	wg.Wait()
	return err
}

// waitQueued waits until n calls queue for the writer.
func waitQueued(t *testing.T, d *db.DB, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); db.Queued(d) < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d calls queued, want %d", db.Queued(d), n)
		}
	}
}

// count returns the rows of n as seen from a reader connection, that is,
// what has been committed.
func count(t *testing.T, d *db.DB) int {
	t.Helper()
	var c int
	if err := d.R.QueryRowContext(context.Background(), `SELECT count(*) FROM n`).Scan(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

// Concurrent calls share one transaction; the one that fails undoes only
// its own writes and drops its AfterCommit functions, the others commit,
// and each AfterCommit function runs after the commit (a reader sees the
// rows then).
func TestBatchedCallFailureUndoesOnlyItsOwnWrites(t *testing.T) {
	d := openSQLite(t)
	ctx := context.Background()
	const calls = 20
	broken := errors.New("broken")
	var mu sync.Mutex
	txs := map[*db.Tx]bool{}
	seen := make([]int, calls) // rows committed when each AfterCommit ran; -1: never ran
	errs := make([]error, calls)
	for i := range calls {
		seen[i] = -1
	}
	err := inOneBatch(t, d, calls, false, func(i int) {
		errs[i] = d.WithTx(ctx, func(tx *db.Tx) error {
			mu.Lock()
			txs[tx] = true
			mu.Unlock()
			tx.AfterCommit(func() { seen[i] = count(t, d) })
			if err := insert(ctx, d, tx, i); err != nil {
				return err
			}
			if i == 7 {
				return broken
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(txs) != 1 {
		t.Fatalf("the %d queued calls ran in %d transactions, want one", calls, len(txs))
	}
	for i, err := range errs {
		switch {
		case i == 7 && !errors.Is(err, broken):
			t.Errorf("call 7: %v, want its own error", err)
		case i != 7 && err != nil:
			t.Errorf("call %d: %v", i, err)
		case i == 7 && seen[i] != -1:
			t.Errorf("the failed call's AfterCommit ran")
		case i != 7 && seen[i] != calls-1:
			t.Errorf("call %d's AfterCommit saw %d rows committed, want %d: it must run after the commit", i, seen[i], calls-1)
		}
	}
	got := values(t, ctx, d.R)
	if len(got) != calls-1 || containsInt(got, 7) {
		t.Fatalf("rows %v: want all but 7", got)
	}
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// A commit that fails fails every call of the batch, and none of their
// AfterCommit functions runs. A deferred foreign key is checked only at
// commit.
func TestBatchCommitFailureIsEveryCallsError(t *testing.T) {
	d := openSQLite(t)
	ctx := context.Background()
	if _, err := d.W.ExecContext(ctx, `CREATE TABLE child (p INTEGER REFERENCES n (v) DEFERRABLE INITIALLY DEFERRED)`); err != nil {
		t.Fatal(err)
	}
	const calls = 5
	errs := make([]error, calls)
	ran := make([]bool, calls)
	err := inOneBatch(t, d, calls, false, func(i int) {
		errs[i] = d.WithTx(ctx, func(tx *db.Tx) error {
			tx.AfterCommit(func() { ran[i] = true })
			if i == 3 {
				_, err := tx.ExecContext(ctx, `INSERT INTO child (p) VALUES (999)`)
				return err
			}
			return insert(ctx, d, tx, i)
		})
	})
	if err == nil {
		t.Error("the blocking call shared the failed commit, yet succeeded")
	}
	for i, err := range errs {
		if err == nil || ran[i] {
			t.Errorf("call %d: error %v, AfterCommit ran %v; want the commit's error and no AfterCommit", i, err, ran[i])
		}
	}
	if n := count(t, d); n != 0 {
		t.Fatalf("%d rows after a failed commit", n)
	}
	if err := d.WithTx(ctx, func(tx *db.Tx) error { return insert(ctx, d, tx, 1) }); err != nil {
		t.Fatalf("the writer after a failed commit: %v", err)
	}
}

// A caller whose context ends while it waits for the writer gets the
// context's error at once, and its fn never runs.
func TestCancelledWaitingCallNeverRuns(t *testing.T) {
	d := openSQLite(t)
	release := blockWriter(t, d)
	ctx, cancel := context.WithCancel(context.Background())
	ran := false
	done := make(chan error, 1)
	go func() {
		done <- d.WithTx(ctx, func(tx *db.Tx) error { ran = true; return nil })
	}()
	waitQueued(t, d, 1)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled call: %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a cancelled call still waits for the writer")
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	// The next batch shows the writer has passed the cancelled call by.
	if err := d.WithTx(context.Background(), func(tx *db.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Fatal("the fn of a call cancelled before it started ran")
	}
	if _, err := d.W.ExecContext(ctx, `SELECT 1`); err == nil {
		t.Fatal("want the cancelled context to be refused")
	}
}

// A caller's context that ends while its fn runs in a batch does not
// interrupt the transaction the others share.
func TestCancelledRunningCallDoesNotBreakTheBatch(t *testing.T) {
	d := openSQLite(t)
	bg := context.Background()
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	errs := make([]error, 3)
	err := inOneBatch(t, d, 3, true, func(i int) {
		c := bg
		if i == 1 {
			c = ctx
		}
		errs[i] = d.WithTx(c, func(tx *db.Tx) error {
			if err := insert(c, d, tx, i); err != nil {
				return err
			}
			if i == 1 {
				cancel()
				// A long statement under the cancelled context runs on.
				_, err := tx.ExecContext(c, `WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM r WHERE x < 20000) SELECT count(*) FROM r`)
				return err
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if got := values(t, bg, d.R); len(got) != 3 {
		t.Fatalf("rows %v, want [0 1 2]", got)
	}
}

// Nested WithTx calls inside a batched fn keep their savepoint semantics:
// a failed nested call undoes only its writes, inside that fn's own.
func TestNestedCallsInsideABatchedCall(t *testing.T) {
	d := openSQLite(t)
	ctx := context.Background()
	errs := make([]error, 4)
	err := inOneBatch(t, d, 4, false, func(i int) {
		errs[i] = d.WithTx(ctx, func(tx *db.Tx) error {
			in := db.WithinTx(ctx, tx)
			if err := insert(ctx, d, tx, 10*i); err != nil {
				return err
			}
			nestedErr := d.WithTx(in, func(tx *db.Tx) error {
				if err := insert(ctx, d, tx, 10*i+1); err != nil {
					return err
				}
				return errors.New("undo")
			})
			if nestedErr == nil {
				return errors.New("the nested call's error was lost")
			}
			// A duplicate key inside a nested call leaves the batch usable.
			if err := d.WithTx(in, func(tx *db.Tx) error { return insert(ctx, d, tx, 10*i) }); !db.IsUniqueViolation(err) {
				return fmt.Errorf("duplicate key: %v", err)
			}
			return d.WithTx(in, func(tx *db.Tx) error { return insert(in, d, d.W, 10*i+2) })
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if got := values(t, ctx, d.R); fmt.Sprint(got) != "[0 2 10 12 20 22 30 32]" {
		t.Fatalf("rows %v, want [0 2 10 12 20 22 30 32]", got)
	}
}

// A fn that panics is rolled back to its savepoint and the panic is
// raised again in its caller's goroutine; the rest of the batch commits.
func TestPanicInABatchedCallReachesItsCaller(t *testing.T) {
	d := openSQLite(t)
	ctx := context.Background()
	recovered := make([]any, 3)
	errs := make([]error, 3)
	err := inOneBatch(t, d, 3, true, func(i int) {
		defer func() { recovered[i] = recover() }()
		errs[i] = d.WithTx(ctx, func(tx *db.Tx) error {
			if err := insert(ctx, d, tx, i); err != nil {
				return err
			}
			if i == 1 {
				panic("boom")
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if recovered[1] != "boom" || recovered[0] != nil || recovered[2] != nil {
		t.Fatalf("panics recovered per caller: %v, want only call 1's", recovered)
	}
	if errs[0] != nil || errs[2] != nil {
		t.Fatalf("errors %v", errs)
	}
	if got := values(t, ctx, d.R); fmt.Sprint(got) != "[0 2]" {
		t.Fatalf("rows %v, want [0 2]", got)
	}
}

// A fn whose goroutine exits inside it (t.FailNow does) abandons its
// batch: the others hear so instead of waiting forever, nothing commits,
// and the writer serves the next caller.
func TestGoexitInsideABatchAbandonsIt(t *testing.T) {
	d := openSQLite(t)
	ctx := context.Background()
	held, free := make(chan struct{}), make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		_ = d.WithTx(ctx, func(tx *db.Tx) error {
			if err := insert(ctx, d, tx, 1); err != nil {
				return err
			}
			close(held)
			<-free
			runtime.Goexit()
			return nil
		})
	}()
	<-held
	other := make(chan error, 1)
	go func() { other <- d.WithTx(ctx, func(tx *db.Tx) error { return insert(ctx, d, tx, 2) }) }()
	waitQueued(t, d, 1)
	close(free)
	<-exited
	select {
	case err := <-other:
		if err != nil {
			t.Fatalf("the call queued behind the abandoned batch: %v, want it to lead the next one", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a call waits forever after its batch's leader exited")
	}
	if got := values(t, ctx, d.R); fmt.Sprint(got) != "[2]" {
		t.Fatalf("rows %v, want [2]: the abandoned call's write never commits", got)
	}
	if err := d.WithTx(ctx, func(tx *db.Tx) error { return insert(ctx, d, tx, 3) }); err != nil {
		t.Fatalf("the writer after an abandoned batch: %v", err)
	}
}

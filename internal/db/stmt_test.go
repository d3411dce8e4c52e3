package db_test

import (
	"context"
	"fmt"
	"testing"
	"testing/fstest"
	"time"

	"github.com/docket/docket/internal/db"
)

// A statement prepared for the first time while a write transaction holds
// SQLite's single writer connection must not block that transaction's own
// statements: the transaction finishes, then the statement runs.
func TestPreparingDoesNotBlockTheOpenTransaction(t *testing.T) {
	ctx := context.Background()
	d, cached := cachedInsert(t)
	defer d.Close()
	done := make(chan error, 1)
	go func() {
		done <- d.WithTx(ctx, func(tx *db.Tx) error {
			other := make(chan error, 1)
			go func() { // a fresh statement on the writer pool, as another request would
				_, err := d.W.ExecContext(ctx, `INSERT INTO c (n) VALUES (2)`)
				other <- err
			}()
			time.Sleep(100 * time.Millisecond) // let it start preparing
			_, err := tx.ExecContext(ctx, cached)
			return err
		})
	}()
	finishes(t, done, "deadlock: the transaction waited for a statement being prepared for the writer it holds")
}

// Closing the database while a transaction holds SQLite's writer and
// another caller waits for it with a cached statement must not deadlock:
// the transaction finishes (its statements still find the cache), then the
// waiting statement runs, then the database closes.
func TestCloseDoesNotBlockTheOpenTransaction(t *testing.T) {
	ctx := context.Background()
	d, cached := cachedInsert(t)
	done := make(chan error, 1)
	go func() {
		done <- d.WithTx(ctx, func(tx *db.Tx) error {
			go d.W.ExecContext(ctx, cached) // waits for the writer this transaction holds
			time.Sleep(100 * time.Millisecond)
			go d.Close() // waits for that statement
			time.Sleep(100 * time.Millisecond)
			_, err := tx.ExecContext(ctx, cached)
			return err
		})
	}()
	finishes(t, done, "deadlock: closing the database waited for the transaction, which waited for the close")
}

// cachedInsert opens an SQLite database with a table c and returns an
// insert into it whose prepared statement is cached.
func cachedInsert(t *testing.T) (*db.DB, string) {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.W.ExecContext(ctx, `CREATE TABLE c (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	cached := `INSERT INTO c (n) VALUES (1)`
	for range 2 { // cached at its second run
		if _, err := d.W.ExecContext(ctx, cached); err != nil {
			t.Fatal(err)
		}
	}
	if !db.Cached(d, cached) {
		t.Fatal("a statement run twice on the writer pool is not cached")
	}
	return d, cached
}

// finishes fails the test with deadlock unless done reports success
// within 5 s.
func finishes(t *testing.T, done <-chan error, deadlock string) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal(deadlock)
	}
}

// CountStatements counts what runs under its context, once each: on the
// reader and writer pools, in a transaction, and through a pool under a
// context carrying that transaction; and nothing run under another context.
func TestCountStatements(t *testing.T) {
	d, cached := cachedInsert(t)
	defer d.Close()
	ctx, n := db.CountStatements(context.Background())
	if _, err := d.W.ExecContext(context.Background(), cached); err != nil { // not counted
		t.Fatal(err)
	}
	var rows int
	if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM c`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if _, err := d.W.ExecContext(ctx, cached); err != nil {
		t.Fatal(err)
	}
	err := d.WithTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, cached); err != nil {
			return err
		}
		_, err := d.W.ExecContext(db.WithinTx(ctx, tx), cached)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The batch's savepoint statements run under the caller's context too
	// (SQLite groups concurrent transactions): two.
	if got := n(); got != 6 {
		t.Errorf("counted %d statements, want 6: a read, a write, and in the transaction its savepoint, two writes and its release", got)
	}
}

// A statement a write transaction builds from what it changes, and so
// could not be prepared at start-up, is prepared for the cache once it has
// run a few times: the transactions after that no longer parse it.
func TestBuiltStatementsArePreparedOnceRepeated(t *testing.T) {
	ctx := context.Background()
	d, _ := cachedInsert(t)
	defer d.Close()
	built := `UPDATE c SET n = n + 1 WHERE n > ?`
	once := `UPDATE c SET n = n + 2 WHERE n > ?`
	run := func(q string) {
		t.Helper()
		if err := d.WithTx(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, q, 0)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	run(once)
	for i := 0; i < 2; i++ {
		run(built)
		if db.Cached(d, built) {
			t.Fatalf("prepared after %d transactions, before it repeated", i+1)
		}
	}
	run(built)
	if !db.Cached(d, built) {
		t.Fatal("a statement three transactions built is not prepared for the next")
	}
	if db.Cached(d, once) {
		t.Fatal("a statement run once was prepared")
	}
	run(built) // from the cache now
	var n int
	if err := d.R.QueryRowContext(ctx, `SELECT n FROM c`).Scan(&n); err != nil || n != 7 {
		t.Fatalf("n = %d, %v; want 7: 1, +2 once, +1 four times", n, err)
	}
}

// A query run outside a transaction is prepared into the cache when it
// runs again, not at its first run: texts with their values written out
// (a search's ticket ids) run once each, and a few hundred of them used
// to fill the cache for good, so that every query first run after them
// was parsed at every call.
func TestQueriesRunOnceAreNotCached(t *testing.T) {
	d, _ := cachedInsert(t)
	defer d.Close()
	read := countReader(t, d)
	for i := range 600 {
		read(fmt.Sprintf(`SELECT COUNT(*) FROM c WHERE n IN (%d, %d)`, i, i+1))
	}
	if db.CachedReads(d) != 0 {
		t.Errorf("%d statements run once each are cached", db.CachedReads(d))
	}
	hot := `SELECT COUNT(*) FROM c WHERE n > 0`
	read(hot)
	if db.CachedRead(d, hot) {
		t.Fatal("a query run once is cached")
	}
	read(hot)
	if !db.CachedRead(d, hot) {
		t.Fatal("a query run twice, after 600 run once, is not cached: every run of it is parsed")
	}
}

// countReader returns a function that reads a count q through d's
// readers, failing t on an error.
func countReader(t *testing.T, d *db.DB) func(q string) {
	return func(q string) {
		t.Helper()
		var n int
		if err := d.R.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
}

// readShapes reads n count shapes, each twice: cached, as a list shape
// is.
func readShapes(read func(q string), n int) {
	for i := range n {
		q := fmt.Sprintf(`SELECT COUNT(*) FROM c WHERE n IN (%d, %d)`, i, i+1)
		read(q)
		read(q)
	}
}

// The reader cache keeps the statements in use now. It kept the first it
// was given for good, a few hundred prepared at start-up among them: a
// server's first list shapes took the rest, and every list after them (a
// queue's next page, a view of other filters) was parsed at each call.
// The built statement used longest ago now makes room, the start-up ones
// stay, and an evicted statement still finishes the rows it was reading.
func TestReadCacheKeepsWhatRunsNow(t *testing.T) {
	ctx := context.Background()
	d, _ := cachedInsert(t)
	defer d.Close()
	queries, err := db.LoadQueries(fstest.MapFS{"q/queries.sql": {Data: []byte("-- name: named\nSELECT COUNT(*) FROM c WHERE n < 100;\n")}}, "q", db.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Prepare(ctx, queries); err != nil {
		t.Fatal(err)
	}
	named := queries.Get("named")
	read := countReader(t, d)
	first := `SELECT COUNT(*) FROM c WHERE n = 0`
	read(first)
	read(first)
	open, err := d.R.QueryContext(ctx, first) // read while it is evicted
	if err != nil {
		t.Fatal(err)
	}
	readShapes(read, 1000)
	hot := `SELECT COUNT(*) FROM c WHERE n > 0`
	read(hot)
	read(hot)
	if !db.CachedRead(d, hot) {
		t.Fatal("a query run twice after a thousand others is not cached: every run of it is parsed")
	}
	if !db.CachedRead(d, named) {
		t.Fatal("a statement prepared at start-up was let go")
	}
	if db.CachedRead(d, first) {
		t.Fatal("the statement used longest ago is still cached")
	}
	if n := db.CachedReads(d); n > 300 {
		t.Fatalf("the reader cache holds %d statements: the bound is gone", n)
	}
	var rows int
	for open.Next() {
		rows++
	}
	if err := open.Err(); err != nil || rows != 1 {
		t.Fatalf("the rows of an evicted statement: %d, %v", rows, err)
	}
	open.Close()
}

// A statement evicted between the cache handing it to a caller and the
// caller's call fails no one: the caller holds it until its call returns,
// and the last to let go of an evicted statement closes it. Closed as it
// was evicted, the held call failed with "sql: statement is closed".
func TestEvictedStatementsFailNoCaller(t *testing.T) {
	d, _ := cachedInsert(t)
	defer d.Close()
	read := countReader(t, d)
	held := `SELECT COUNT(*) FROM c WHERE n = 0`
	read(held)
	read(held)
	run, done := db.HoldRead(d, held)
	readShapes(read, 300) // more than the cache keeps
	if db.CachedRead(d, held) {
		t.Fatal("the statement used longest ago was not evicted")
	}
	time.Sleep(50 * time.Millisecond) // an eviction closes apart
	if err := run(); err != nil {
		t.Fatalf("a statement evicted while a caller held it failed that caller: %v", err)
	}
	done()
	for start := time.Now(); run() == nil; time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 2*time.Second {
			t.Fatal("an evicted statement is never closed once let go")
		}
	}
}

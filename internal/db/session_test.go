package db_test

import (
	"context"
	"strings"
	"testing"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/db/pgtest"
)

// TestPostgresSessionsPlanNoParallelWorkers: Docket's PostgreSQL sessions
// start without parallel workers (a newest-first search planned as a
// Gather Merge answered less than half as many searches a second at eight
// at a time), unless the database URL asks for them.
func TestPostgresSessionsPlanNoParallelWorkers(t *testing.T) {
	ctx := context.Background()
	workers := func(url string) string {
		t.Helper()
		d, err := db.Open(ctx, db.Options{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		var v string
		if err := d.R.QueryRowContext(ctx, `SHOW max_parallel_workers_per_gather`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	url := pgtest.NewDatabase(t, "")
	if got := workers(url); got != "0" {
		t.Errorf("max_parallel_workers_per_gather = %s by default, want 0", got)
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	if got := workers(url + sep + "max_parallel_workers_per_gather=3"); got != "3" {
		t.Errorf("max_parallel_workers_per_gather = %s with the URL asking for 3, want 3", got)
	}
}

// TestBulkLoadJournalsAndReturnsToTheLog: a bulk load's SQLite writes
// through a rollback journal without fsync, and the next usual open puts
// the file back in write-ahead-log mode with the loaded rows.
func TestBulkLoadJournalsAndReturnsToTheLog(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	mode := func(d *db.DB) (journal string, sync int) {
		t.Helper()
		if err := d.W.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journal); err != nil {
			t.Fatal(err)
		}
		if err := d.W.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil {
			t.Fatal(err)
		}
		return journal, sync
	}
	bulk, err := db.Open(ctx, db.Options{DataDir: dir, BulkLoad: true})
	if err != nil {
		t.Fatal(err)
	}
	if j, s := mode(bulk); j != "truncate" || s != 0 {
		t.Errorf("bulk load: journal_mode %s, synchronous %d; want truncate, 0 (off)", j, s)
	}
	if _, err := bulk.W.ExecContext(ctx, `CREATE TABLE n (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if _, err := bulk.W.ExecContext(ctx, `INSERT INTO n VALUES (1), (2)`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := bulk.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM n`).Scan(&n); err != nil || n != 2 {
		t.Errorf("bulk load: the reader counts %d rows (%v), want 2", n, err)
	}
	bulk.Close()
	d, err := db.Open(ctx, db.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if j, s := mode(d); j != "wal" || s != 1 {
		t.Errorf("after the load: journal_mode %s, synchronous %d; want wal, 1 (normal)", j, s)
	}
	if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM n`).Scan(&n); err != nil || n != 2 {
		t.Errorf("after the load: %d rows (%v), want 2", n, err)
	}
}

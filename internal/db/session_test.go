package db_test

import (
	"context"
	"strings"
	"testing"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/db/pgtest"
)

// TestPostgresSessionDefaults: Docket's PostgreSQL sessions start without
// parallel workers (a newest-first search planned as a Gather Merge
// answered less than half as many searches a second at eight at a time)
// and with random reads costed as a cached or solid-state database's
// (PostgreSQL's default of 4 had the merged walks of a million-ticket
// Pending queue read every pending ticket and sort them), unless someone
// chose otherwise: the database URL, or the operator (ALTER DATABASE here).
func TestPostgresSessionDefaults(t *testing.T) {
	ctx := context.Background()
	show := func(url, setting string) string {
		t.Helper()
		d, err := db.Open(ctx, db.Options{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		var v string
		if err := d.R.QueryRowContext(ctx, `SHOW `+setting).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	url := pgtest.NewDatabase(t, "")
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	for _, c := range []struct{ setting, want, asked string }{
		{"max_parallel_workers_per_gather", "0", "3"},
		{"random_page_cost", "1.1", "4"},
	} {
		if got := show(url, c.setting); got != c.want {
			t.Errorf("%s = %s by default, want %s", c.setting, got, c.want)
		}
		if got := show(url+sep+c.setting+"="+c.asked, c.setting); got != c.asked {
			t.Errorf("%s = %s with the URL asking for %s", c.setting, got, c.asked)
		}
	}
	// The operator's choice for the database wins too.
	d, err := db.Open(ctx, db.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	var name string
	if err := d.R.QueryRowContext(ctx, `SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	if _, err := d.W.ExecContext(ctx, `ALTER DATABASE "`+name+`" SET random_page_cost = 3`); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if got := show(url, "random_page_cost"); got != "3" {
		t.Errorf("random_page_cost = %s with the database set to 3, want 3", got)
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

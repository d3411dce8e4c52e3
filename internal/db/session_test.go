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

package db_test

import (
	"context"
	"testing"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/db/pgtest"
)

// Docket's PostgreSQL connections plan joins in the order written
// (join_collapse_limit 1: a list page's planning fell from 8.8 to under
// 3.3 ms at a million tickets), unless the database URL says otherwise.
func TestPostgresPlansJoinsAsWritten(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t, "")
	for _, c := range []struct{ url, want string }{{url, "1"}, {url + "&join_collapse_limit=8", "8"}} {
		d, err := db.Open(ctx, db.Options{URL: c.url})
		if err != nil {
			t.Fatal(err)
		}
		var got string
		err = d.R.QueryRowContext(ctx, "SHOW join_collapse_limit").Scan(&got)
		d.Close()
		if err != nil || got != c.want {
			t.Errorf("%s: join_collapse_limit %q (%v), want %s", c.url, got, err, c.want)
		}
	}
}

package db_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/db/pgtest"
)

// TestDeferredIndexesComeBackAsTheyWere: DeferIndexes drops exactly the
// tables' indexes that enforce nothing (unique ones stay), and whether the
// load ends (RestoreIndexes) or is killed and the next start migrates,
// every index comes back with its own definition and nothing is left
// recorded.
func TestDeferredIndexesComeBackAsTheyWere(t *testing.T) {
	eachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		before := indexes(t, d)
		for _, restore := range []string{"RestoreIndexes", "Migrate"} {
			n, err := d.DeferIndexes(ctx, "tickets", "messages")
			if err != nil {
				t.Fatal(err)
			}
			during := indexes(t, d)
			if n < 20 || len(during) != len(before)-n {
				t.Fatalf("%d indexes deferred, %d of %d left", n, len(during), len(before))
			}
			for name, def := range before {
				_, kept := during[name]
				table := strings.Contains(def, " tickets ") || strings.Contains(def, " messages ") ||
					strings.Contains(def, ".tickets ") || strings.Contains(def, ".messages ")
				unique := strings.HasPrefix(def, "CREATE UNIQUE") || def == ""
				if kept != (unique || !table) {
					t.Errorf("%s kept: %v (%s)", name, kept, def)
				}
			}
			if recorded(t, d) != n {
				t.Fatalf("%d recorded, %d deferred", recorded(t, d), n)
			}
			if restore == "Migrate" {
				// One of them built by hand in the meantime: the rest are
				// still built.
				if _, err := d.W.ExecContext(ctx, before["tickets_requester"]); err != nil {
					t.Fatal(err)
				}
				_, err = d.Migrate(ctx) // the next start after a killed load
			} else {
				_, err = d.RestoreIndexes(ctx)
			}
			if err != nil {
				t.Fatal(err)
			}
			if after := indexes(t, d); !maps.Equal(before, after) {
				t.Errorf("after %s: %d indexes, want %d: %v", restore, len(after), len(before),
					slices.Sorted(maps.Keys(after)))
			}
			if left := recorded(t, d); left != 0 {
				t.Errorf("after %s: %d still recorded", restore, left)
			}
		}
	})
}

// indexes maps every index of the database to its definition ("" for
// SQLite's own, of a constraint).
func indexes(t *testing.T, d *db.DB) map[string]string {
	t.Helper()
	q := `SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'index'`
	if d.Dialect == db.Postgres {
		q = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()`
	}
	rows, err := d.W.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			t.Fatal(err)
		}
		out[name] = def
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func recorded(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.W.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM deferred_indexes`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestInstancesMigrateTogether: instances starting together on a new
// database all migrate without an error (on PostgreSQL the bookkeeping
// tables' creation collided in the catalog when it ran outside the
// migrations' lock).
func TestInstancesMigrateTogether(t *testing.T) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			opts := db.Options{DataDir: t.TempDir()}
			if dialect == db.Postgres {
				opts = db.Options{URL: pgtest.NewDatabase(t, "")}
			}
			const instances = 4
			errs := make(chan error, instances)
			for range instances {
				go func() {
					d, err := db.Open(context.Background(), opts)
					if err != nil {
						errs <- err
						return
					}
					defer d.Close()
					_, err = d.Migrate(context.Background())
					errs <- err
				}()
			}
			for range instances {
				if err := <-errs; err != nil {
					t.Error(err)
				}
			}
		})
	}
}

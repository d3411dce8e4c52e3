package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"

	"github.com/docket/docket/internal/db"
)

// TestConnectionHooks: every SQLite connection, the writer's and each
// reader's, runs without its own mutex (SQLite's multi-thread mode, issue
// 13) and has fts5_instances; connections used by many goroutines at once
// through the pools still read and write what they should.
func TestConnectionHooks(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.W.ExecContext(ctx, `CREATE TABLE hooked (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	mutexes := func(name string, pool *sql.DB, n int) {
		t.Helper()
		conns := make([]*sql.Conn, n) // held at once: n distinct connections
		for i := range conns {
			c, err := pool.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			conns[i] = c
			if err := c.Raw(func(dc any) error {
				m, err := db.ConnMutex(dc)
				if err == nil && m != 0 {
					err = fmt.Errorf("mutex %#x", m)
				}
				return err
			}); err != nil {
				t.Errorf("%s connection %d: %v", name, i, err)
			}
			var fn int
			if err := c.QueryRowContext(ctx, `SELECT count(*) FROM pragma_function_list WHERE name = ?`, db.FTS5Instances).Scan(&fn); err != nil || fn == 0 {
				t.Errorf("%s connection %d: %s missing (%v)", name, i, db.FTS5Instances, err)
			}
		}
	}
	w, r := d.Pools()
	mutexes("writer", w, 1)
	mutexes("reader", r, 4)

	// Eight writers and eight readers at once, each read checked.
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range 50 {
				if _, err := d.W.ExecContext(ctx, `INSERT INTO hooked (id, v) VALUES (?, ?)`, g*1000+i, fmt.Sprint(g*1000+i)); err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range 50 {
				rows, err := d.R.QueryContext(ctx, `SELECT id, v FROM hooked`)
				if err != nil {
					errs <- err
					return
				}
				for rows.Next() {
					var id int
					var v string
					if err := rows.Scan(&id, &v); err != nil || v != fmt.Sprint(id) {
						errs <- fmt.Errorf("row %d read as %q (%v)", id, v, err)
					}
				}
				if err := rows.Err(); err != nil {
					errs <- err
				}
				rows.Close()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var n int
	if err := d.R.QueryRowContext(ctx, `SELECT count(*) FROM hooked`).Scan(&n); err != nil || n != 400 {
		t.Errorf("%d rows (%v); want 400", n, err)
	}
}

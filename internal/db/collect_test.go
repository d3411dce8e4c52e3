package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/docket/docket/internal/db"
)

func TestCollect(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	w, r := d.Pools()
	if _, err := w.ExecContext(ctx, `CREATE TABLE c (n INTEGER); INSERT INTO c VALUES (1), (2), (3)`); err != nil {
		t.Fatal(err)
	}
	scanN := func(s db.Scanner) (int, error) {
		var n int
		err := s.Scan(&n)
		if n == 99 {
			return 0, errors.New("bad row 99")
		}
		return n, err
	}

	rows, err := r.QueryContext(ctx, `SELECT n FROM c ORDER BY n`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Collect(rows, scanN)
	if err != nil || len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Fatalf("Collect = %v, %v; want [1 2 3]", got, err)
	}

	rows, _ = r.QueryContext(ctx, `SELECT n FROM c WHERE n > 10`)
	got, err = db.Collect(rows, scanN)
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("empty Collect = %#v, %v; want a non-nil empty slice", got, err)
	}

	if _, err := w.ExecContext(ctx, `INSERT INTO c VALUES (99)`); err != nil {
		t.Fatal(err)
	}
	rows, _ = r.QueryContext(ctx, `SELECT n FROM c ORDER BY n`)
	got, err = db.Collect(rows, scanN)
	if err == nil || !strings.Contains(err.Error(), "bad row 99") || got != nil {
		t.Fatalf("Collect with a failing row = %v, %v; want the scan error and no rows", got, err)
	}
}

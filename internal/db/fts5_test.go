package db_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/docket/docket/internal/db"
)

// TestFTS5Instances: every SQLite connection, the reader's too, has the
// auxiliary function, and it says where each phrase of the MATCH
// expression is, numbered as written; a value that is not one is an
// error, not a panic.
func TestFTS5Instances(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.W.ExecContext(ctx, `CREATE VIRTUAL TABLE t USING fts5 (a, b)`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.W.ExecContext(ctx, `INSERT INTO t (rowid, a, b) VALUES (7, 'x y x z', 'y')`); err != nil {
		t.Fatal(err)
	}
	var found []byte
	if err := d.R.QueryRowContext(ctx, `SELECT `+db.FTS5Instances+`(t) FROM t WHERE t MATCH '"z" AND ("y" OR "x")'`).Scan(&found); err != nil {
		t.Fatal(err)
	}
	var occ []db.FTS5Occurrence
	if err := db.EachFTS5Occurrence(found, func(o db.FTS5Occurrence) { occ = append(occ, o) }); err != nil {
		t.Fatal(err)
	}
	// In the order of their columns and offsets, whatever the phrase.
	want := []db.FTS5Occurrence{{2, 0, 0}, {1, 0, 1}, {2, 0, 2}, {0, 0, 3}, {1, 1, 0}}
	if !reflect.DeepEqual(occ, want) {
		t.Errorf("occurrences %v; want %v", occ, want)
	}
	if err := db.EachFTS5Occurrence([]byte{1, 0, 0}, func(db.FTS5Occurrence) {}); err == nil {
		t.Errorf("a value of 3 bytes read without an error")
	}
}

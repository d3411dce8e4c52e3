package db_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/docket/docket/internal/db"
)

// TestFTS5Instances: every SQLite connection, the reader's too, has the
// auxiliary function, and it says where each phrase of the MATCH
// expression is, numbered as written, with the columns' sizes; a value
// that is not one is an error, not a panic.
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

	// The columns' sizes, from the docsize row.
	var sz []byte
	if err := d.R.QueryRowContext(ctx, `SELECT sz FROM t_docsize WHERE id = 7`).Scan(&sz); err != nil {
		t.Fatal(err)
	}
	sizes := make([]int, 3)
	if err := db.FTS5DocSize(sz, sizes); err != nil || !reflect.DeepEqual(sizes, []int{4, 1, 0}) {
		t.Errorf("docsize %x read as %v (%v), want [4 1 0]", sz, sizes, err)
	}
	for sz, want := range map[string][]int{"\x81\x00\x05": {128, 5}, "\x83\xff\x7f": {65535, 0}} {
		sizes := make([]int, 2)
		if err := db.FTS5DocSize([]byte(sz), sizes); err != nil || !reflect.DeepEqual(sizes, want) {
			t.Errorf("docsize %x read as %v (%v), want %v", sz, sizes, err, want)
		}
	}
	if err := db.FTS5DocSize([]byte{0x80}, make([]int, 1)); err == nil {
		t.Errorf("a cut varint read without an error")
	}
}

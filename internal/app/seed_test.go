package app_test

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/docket/docket/internal/db"
)

// TestSeedCommandLeavesAWriteAheadLog: docket seed loads SQLite through a
// rollback journal (db.Options.BulkLoad) and leaves the file in
// write-ahead-log mode, every ticket there, for docket serve.
func TestSeedCommandLeavesAWriteAheadLog(t *testing.T) {
	dir := t.TempDir()
	r := run(t, "", nil, "seed", "--data", dir, "--tickets", "300", "--requesters", "50", "--agents", "4", "--teams", "2",
		"--organizations", "5", "--quiet")
	if r.code != 0 || !strings.Contains(r.stdout, "seeded 300 tickets") {
		t.Fatalf("seed: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// The file's header says which (bytes 18 and 19: 1 a rollback
	// journal, 2 the write-ahead log), read before any open could change it.
	head := make([]byte, 20)
	f, err := os.Open(db.SQLitePath(dir))
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadFull(f, head)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if head[18] != 2 || head[19] != 2 {
		t.Errorf("after docket seed: the file's read and write versions are %d and %d, want 2 and 2 (WAL)", head[18], head[19])
	}
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n int
	if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 300 {
		t.Errorf("after docket seed: %d tickets, want 300", n)
	}
}

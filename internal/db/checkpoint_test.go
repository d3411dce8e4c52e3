package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/docket/docket/internal/db"
)

// On SQLite the log is copied back into the database file beside the
// writer, after its commits, while the writer's own automatic checkpoint
// waits for a log of writerCheckpointPages.
func TestCheckpointsRunBesideTheWriter(t *testing.T) {
	d := openSQLite(t)
	ctx := context.Background()
	var pages int
	if err := d.W.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&pages); err != nil || pages < 5000 {
		t.Fatalf("the writer checkpoints itself every %d pages (%v), want thousands", pages, err)
	}
	for i := range 3 {
		if err := d.WithTx(ctx, func(tx *db.Tx) error { return insert(ctx, d, tx, i) }); err != nil {
			t.Fatal(err)
		}
		time.Sleep(150 * time.Millisecond) // past the checkpointer's interval
	}
	if n := d.Checkpoints(); n < 2 {
		t.Fatalf("%d checkpoints after three commits far apart, want one after each", n)
	}
}

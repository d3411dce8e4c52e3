package db_test

import (
	"context"
	"testing"

	"github.com/docket/docket/internal/db"
)

// TestSearchUpgradeKeepsTheIndexConsistent: on SQLite, migration 0025
// rebuilds the full-text index over documents that already exist; filling
// their terms afterwards (the reindex job's update) must leave an index
// that matches its documents.
func TestSearchUpgradeKeepsTheIndexConsistent(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ms, err := db.Migrations(db.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string) {
		t.Helper()
		if _, err := d.W.ExecContext(ctx, q); err != nil {
			t.Fatalf("%.80s: %v", q, err)
		}
	}
	for _, m := range ms {
		if m.Version == 25 {
			// Documents written before the upgrade.
			exec(`INSERT INTO users (email, role, created_at, updated_at) VALUES ('r@example.test', 'requester', 0, 0)`)
			exec(`INSERT INTO tickets (uid, number, type, subject, status, priority, requester_id, channel, created_at, updated_at)
				VALUES ('u1', 1001, 'incident', 'VPN disconnects', 'new', 3, 1, 'api', 0, 0)`)
			exec(`INSERT INTO search_docs (ticket_id, internal, body) VALUES (1, FALSE, 'VPN disconnects'), (1, FALSE, 'Printers jam')`)
		}
		exec(m.SQL)
	}
	exec(`UPDATE search_docs SET terms = 'vpn disconnect' WHERE id = 1`)
	exec(`UPDATE search_docs SET terms = 'printer jam print' WHERE id = 2`)
	exec(`INSERT INTO search_fts (search_fts, rank) VALUES ('integrity-check', 1)`)
	var n int
	if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_fts WHERE search_fts MATCH '"disconnect"'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("after the upgrade a search finds %d documents (%v), want 1", n, err)
	}
}

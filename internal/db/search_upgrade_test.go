package db_test

import (
	"context"
	"strings"
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
	exec(`INSERT INTO search_fts_ticket (search_fts_ticket, rank) VALUES ('integrity-check', 1)`)
	var n int
	if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_fts_ticket WHERE search_fts_ticket MATCH '"disconnect"'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("after the upgrade a search finds %d tickets (%v), want 1", n, err)
	}
}

// TestSearchPerTicketUpgrade: migration 0046 builds one full-text document
// per existing ticket from its search documents, internal notes in their
// own column, on both engines' upgrade paths (SQLite here; PostgreSQL's
// generated column needs no backfill).
func TestSearchPerTicketUpgrade(t *testing.T) {
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
		if m.Version == 46 {
			exec(`INSERT INTO users (email, role, created_at, updated_at) VALUES ('r@example.test', 'requester', 0, 0)`)
			exec(`INSERT INTO tickets (uid, number, type, subject, status, priority, requester_id, channel, created_at, updated_at)
				VALUES ('u1', 1001, 'incident', 'VPN disconnects', 'new', 3, 1, 'api', 0, 0),
				       ('u2', 1002, 'incident', 'Printer', 'new', 3, 1, 'api', 0, 0)`)
			exec(`INSERT INTO search_docs (ticket_id, internal, body, terms) VALUES (1, FALSE, 'VPN disconnects', 'vpn disconnect'),
				(1, TRUE, 'Vendor ticket', 'vendor ticket'), (2, FALSE, 'Printer jam', 'printer jam'), (2, FALSE, 'Old', NULL)`)
		}
		exec(m.SQL)
	}
	exec(`INSERT INTO search_fts_ticket (search_fts_ticket, rank) VALUES ('integrity-check', 1)`)
	for match, want := range map[string]string{
		`"vpn" "vendor"`:         "1",
		`{visible} : ("vendor")`: "",
		`{visible} : ("vpn")`:    "1",
		`"jam"`:                  "2",
	} {
		var got string
		if err := d.R.QueryRowContext(ctx, `SELECT COALESCE(group_concat(rowid), '') FROM search_fts_ticket WHERE search_fts_ticket MATCH ?`, match).Scan(&got); err != nil || got != want {
			t.Errorf("after the upgrade %s finds tickets %q (%v), want %q", match, got, err, want)
		}
	}
	// Migration 0058 built each ticket's search_terms row from the same
	// documents (a document not yet indexed left out).
	terms := func() string {
		t.Helper()
		var got string
		err := d.R.QueryRowContext(ctx, `SELECT COALESCE(group_concat(ticket_id || ':' || COALESCE(subject, '-') || '|' || COALESCE(visible, '-') || '|' || COALESCE(notes, '-'), ' / '), '')
			FROM (SELECT * FROM search_terms ORDER BY ticket_id)`).Scan(&got)
		if err != nil {
			t.Fatal(err)
		}
		return strings.ReplaceAll(got, "\uE000", "+")
	}
	if got, want := terms(), "1:vpn disconnect|-|vendor ticket / 2:printer jam|-|-"; got != want {
		t.Errorf("search_terms after the upgrade: %q, want %q", got, want)
	}
	// The reindex job's update of an old document reaches its ticket.
	exec(`UPDATE search_docs SET terms = 'old' WHERE id = 4`)
	var n int
	if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_fts_ticket WHERE search_fts_ticket MATCH '"old" "jam"'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("after indexing an old document its ticket is found %d times (%v)", n, err)
	}
	if got, want := terms(), "1:vpn disconnect|-|vendor ticket / 2:printer jam + old|-|-"; got != want {
		t.Errorf("search_terms after indexing an old document: %q, want %q", got, want)
	}
}

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
	d, ms, exec := upgrading(t)
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
	d, ms, exec := upgrading(t)
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
	// The reindex job's update of an old document reaches its ticket.
	exec(`UPDATE search_docs SET terms = 'old' WHERE id = 4`)
	var n int
	if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_fts_ticket WHERE search_fts_ticket MATCH '"old" "jam"'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("after indexing an old document its ticket is found %d times (%v)", n, err)
	}
}

// TestSearchSubjectFirstUpgrade: migration 0061 joins a ticket's documents
// subject first (a relevance weighs the first document of the column
// visible as the subject), and writes again the full-text document of a
// ticket whose public message was older than its subject's document, as a
// merge from an older ticket leaves it; later writes keep that order.
func TestSearchSubjectFirstUpgrade(t *testing.T) {
	ctx := context.Background()
	d, ms, exec := upgrading(t)
	// subjectAt is where the word subj is in ticket id's column visible.
	subjectAt := func(id int) int {
		t.Helper()
		var found []byte
		err := d.R.QueryRowContext(ctx, `SELECT `+db.FTS5Instances+`(search_fts_ticket) FROM search_fts_ticket WHERE search_fts_ticket MATCH '"subj"' AND rowid = ?`, id).Scan(&found)
		if err != nil {
			t.Fatal(err)
		}
		var occ []db.FTS5Occurrence
		err = db.EachFTS5Occurrence(found, func(o db.FTS5Occurrence) { occ = append(occ, o) })
		if err != nil || len(occ) != 1 || occ[0].Column != 0 {
			t.Fatalf("ticket %d: occurrences %v (%v), want one in the column visible", id, occ, err)
		}
		return occ[0].Offset
	}
	for _, m := range ms {
		if m.Version == 61 {
			exec(`INSERT INTO users (email, role, created_at, updated_at) VALUES ('r@example.test', 'requester', 0, 0)`)
			exec(`INSERT INTO tickets (uid, number, type, subject, status, priority, requester_id, channel, created_at, updated_at)
				VALUES ('u1', 1001, 'incident', 'Subj', 'new', 3, 1, 'api', 0, 0), ('u2', 1002, 'incident', 'Subj', 'new', 3, 1, 'api', 0, 0)`)
			// Ticket 1 as a merge leaves it: a message (id 1) older than its
			// subject (id 3); ticket 2 in order. The messages' rows do not
			// matter here.
			exec(`PRAGMA foreign_keys = OFF`)
			exec(`INSERT INTO search_docs (ticket_id, message_id, internal, body, terms) VALUES (1, NULL, FALSE, 'x', 'moved messag'),
				(2, NULL, FALSE, 'x', 'subj two'), (1, NULL, FALSE, 'x', 'subj one'), (2, NULL, FALSE, 'x', 'repli')`)
			exec(`UPDATE search_docs SET message_id = id + 6 WHERE id IN (1, 4)`)
			if got := subjectAt(1); got != 3 {
				t.Fatalf("before 0061 the subject of ticket 1 is at %d, want 3 (after the moved message and the separator)", got)
			}
		}
		exec(m.SQL)
	}
	if got, got2 := subjectAt(1), subjectAt(2); got != 0 || got2 != 0 {
		t.Errorf("after 0061 the subjects are at %d and %d, want 0 and 0", got, got2)
	}
	exec(`INSERT INTO search_docs (ticket_id, message_id, internal, body, terms) VALUES (1, 20, FALSE, 'x', 'later')`)
	if got := subjectAt(1); got != 0 {
		t.Errorf("after a reply the subject of ticket 1 is at %d, want 0", got)
	}
	exec(`INSERT INTO search_fts_ticket (search_fts_ticket, rank) VALUES ('integrity-check', 1)`)
}

// upgrading is a new SQLite database with no migration applied, the
// migrations to apply, and exec, which runs a statement on it.
func upgrading(t *testing.T) (*db.DB, []db.Migration, func(string)) {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	ms, err := db.Migrations(db.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	return d, ms, func(q string) {
		t.Helper()
		if _, err := d.W.ExecContext(ctx, q); err != nil {
			t.Fatalf("%.80s: %v", q, err)
		}
	}
}

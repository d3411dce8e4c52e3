package ticket_test

import (
	"context"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
)

// TestImporterFTSDocumentIsTheTriggers: the importer writes a new ticket's
// full-text document and its documents' sizes itself, with the trigger
// held off (migrations 0050, 0064), so its statements must build what the
// search_docs insert trigger builds: the same expressions over the same
// rows. The seeder's TestBulkWritesTheServiceRows compares the resulting
// rows.
func TestImporterFTSDocumentIsTheTriggers(t *testing.T) {
	d := apptest.DB(t, db.SQLite)
	var trigger string
	if err := d.R.QueryRowContext(context.Background(), `SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'search_docs_ai'`).Scan(&trigger); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		insert, columns, importer string
	}{
		{"INSERT INTO search_fts_ticket (rowid, visible, notes)", "internal, terms", ticket.SearchFTSTickets},
		{"INSERT OR REPLACE INTO search_sizes (ticket_id, visible, notes)", "internal, CASE WHEN terms = '' THEN 0 ELSE length(terms) - length(replace(terms, ' ', '')) + 1 END AS words",
			ticket.SearchSizesTickets},
	} {
		_, doc, ok := strings.Cut(flat(trigger), c.insert+" SELECT new.ticket_id, ")
		doc, _, ok2 := strings.Cut(doc, " FROM (SELECT "+c.columns+" FROM search_docs WHERE ticket_id = new.ticket_id ")
		if !ok || !ok2 {
			t.Fatalf("the trigger no longer has the expected shape; update the importer's statement with it:\n%s", trigger)
		}
		// The same expressions, over each ticket's documents in the same
		// order: subject first, then by id (migration 0061).
		if !strings.Contains(flat(c.importer), "SELECT ticket_id, "+doc+" FROM (SELECT ticket_id, "+c.columns+" FROM search_docs ") ||
			!strings.Contains(flat(c.importer), " ORDER BY ticket_id, message_id IS NOT NULL, id) GROUP BY ticket_id") {
			t.Fatalf("the importer builds a different row from the trigger's:\ntrigger: %s\nimporter: %s", doc, flat(c.importer))
		}
	}
	if !strings.Contains(flat(trigger), "WHEN NOT EXISTS (SELECT 1 FROM search_fts_deferred)") {
		t.Fatalf("the trigger is not held off by search_fts_deferred:\n%s", trigger)
	}
}

// flat joins s's lines, trimmed, with one space (spaces inside a line, in
// a string literal say, are kept).
func flat(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, " ")
}

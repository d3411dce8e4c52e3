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
// full-text document itself, with the trigger held off (migration 0050), so
// its statement must build the document the search_docs insert trigger
// builds: the same expressions over the same rows. The seeder's
// TestBulkWritesTheServiceRows compares the resulting terms.
func TestImporterFTSDocumentIsTheTriggers(t *testing.T) {
	d := apptest.DB(t, db.SQLite)
	var trigger string
	if err := d.R.QueryRowContext(context.Background(), `SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'search_docs_ai'`).Scan(&trigger); err != nil {
		t.Fatal(err)
	}
	_, doc, ok := strings.Cut(flat(trigger), "SELECT new.ticket_id, ")
	doc, from, ok2 := strings.Cut(doc, " FROM (SELECT internal, terms FROM search_docs WHERE ticket_id = new.ticket_id ORDER BY message_id IS NOT NULL, id);")
	if !ok || !ok2 || !strings.HasPrefix(from, " END") {
		t.Fatalf("the trigger no longer has the expected shape; update the importer's statement with it:\n%s", trigger)
	}
	// The same expressions, over each ticket's documents in the same order:
	// subject first, then by id (migration 0061).
	if !strings.Contains(flat(ticket.SearchFTSNewTickets), "SELECT ticket_id, "+doc+" FROM (SELECT ticket_id, internal, terms FROM search_docs ") ||
		!strings.Contains(flat(ticket.SearchFTSNewTickets), " ORDER BY ticket_id, message_id IS NOT NULL, id) GROUP BY ticket_id") {
		t.Fatalf("the importer builds a different document from the trigger's:\ntrigger: %s\nimporter: %s", doc, flat(ticket.SearchFTSNewTickets))
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

package ticket_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestImportWritesItsRowsTogether: Importer.Write inserts a batch's
// tickets, tags, messages and history rows a few hundred a statement, not
// a statement a write (a million-ticket seed spent 114 of its writer's 198
// seconds on them, about half of it the statements' own cost). So a
// ticket more in a batch costs only the statements of the write hooks
// (here the time rules' moments: at its creation and at its public reply)
// and, on PostgreSQL, its domain events (appended one at a time there: see
// event.Log.Buffer).
func TestImportWritesItsRowsTogether(t *testing.T) {
	ctx := context.Background()
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		admin, req, imp := importer(t, d)
		batch := 0
		statements := func(n int) int {
			batch++
			var ps []*ticket.Prepared
			for i := range n {
				at := time.Now().UnixMicro()
				in := ticket.Import{Actor: admin, At: at, Ticket: ticket.NewTicket{Subject: fmt.Sprintf("Printer %d.%d", batch, i),
					Body: "It jams.", Tags: []string{"printer", "floor-2"}, Requester: &ticket.Contact{Email: req.Email}},
					Replies: []ticket.ImportReply{
						{Actor: admin, At: at + 1, Reply: ticket.NewReply{Body: "Try again?"}},
						{Actor: admin, At: at + 2, Reply: ticket.NewReply{Body: "A note.", Internal: true}},
					}}
				p, err := imp.Prepare(ctx, in)
				if err != nil {
					t.Fatal(err)
				}
				ps = append(ps, p)
			}
			counted, count := db.CountStatements(ctx)
			if err := d.WithTxAlone(counted, func(tx *db.Tx) error { return imp.Write(counted, tx, ps) }); err != nil {
				t.Fatal(err)
			}
			return count()
		}
		want := 2.0
		if d.Dialect != db.SQLite {
			want += 3 // created, and a message created for each reply
		}
		few, many := statements(10), statements(30)
		if perTicket := float64(many-few) / 20; perTicket != want {
			t.Fatalf("%d statements for 10 tickets, %d for 30: %.2f a ticket, want %.0f", few, many, perTicket, want)
		}
	})
}

// TestImportRefusesMessageIDs: Write inserts a batch's messages before it
// runs their hooks, and the outgoing mail hook threads an email by the ids
// of the ticket's messages so far (References, In-Reply-To): with a later
// reply's Message-ID already written, an imported ticket's acknowledgement
// would name it. So the importer refuses Message-IDs, on the ticket's first
// message and on its replies.
func TestImportRefusesMessageIDs(t *testing.T) {
	ctx := context.Background()
	admin, req, imp := importer(t, apptest.DB(t, db.SQLite))
	at := time.Now().UnixMicro()
	first := ticket.Import{Actor: admin, At: at, Ticket: ticket.NewTicket{Subject: "Printer", Body: "It jams.",
		Requester: &ticket.Contact{Email: req.Email}, MessageID: "<a@example.com>"}}
	reply := ticket.Import{Actor: admin, At: at, Ticket: ticket.NewTicket{Subject: "Printer", Body: "It jams.",
		Requester: &ticket.Contact{Email: req.Email}},
		Replies: []ticket.ImportReply{{Actor: admin, At: at + 1, Reply: ticket.NewReply{Body: "Still?", MessageID: "<b@example.com>"}}}}
	for name, in := range map[string]ticket.Import{"the first message": first, "a reply": reply} {
		if _, err := imp.Prepare(ctx, in); err == nil || !strings.Contains(err.Error(), "Message-IDs") {
			t.Errorf("a Message-ID on %s: %v, want it refused", name, err)
		}
	}
}

// importer returns an admin, a requester and an importer on a desk built
// on d as serve builds it.
func importer(t *testing.T, d *db.DB) (admin, req *user.Actor, imp *ticket.Importer) {
	t.Helper()
	s := apptest.Services(t, d)
	admin, req = apptest.User(t, s, user.RoleAdmin, ""), apptest.User(t, s, user.RoleRequester, "")
	imp, err := s.Tickets.NewImporter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return admin, req, imp
}

// TestInsertRowsRefusesPartRows: values that are not whole rows are
// refused with an error that says so, before any is written (the whole
// rows went in before, and the rest failed as SQL of no rows).
func TestInsertRowsRefusesPartRows(t *testing.T) {
	d := apptest.DB(t, db.SQLite)
	s := apptest.Services(t, d)
	err := d.WithTxAlone(context.Background(), func(tx *db.Tx) error {
		return s.Tickets.InsertRows(context.Background(), tx, "insert-tag", 2, []any{"a"})
	})
	if err == nil || !strings.Contains(err.Error(), "1 values are not rows of 2") {
		t.Fatalf("one value as rows of two: %v, want refused", err)
	}
}

package ticket_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// indexRows reads, on the writer's connection, every instance of a term
// in SQLite's full-text index (a stale one too, which a contentless table
// cannot tell from the rest) and the search_sizes rows, one string each.
func indexRows(t *testing.T, d *db.DB) []string {
	t.Helper()
	if _, err := d.W.ExecContext(ctx, `CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_instances USING fts5vocab('main', 'search_fts_ticket', 'instance')`); err != nil {
		t.Fatal(err)
	}
	rows, err := d.W.QueryContext(ctx, `SELECT 'fts ' || doc || ' ' || col || ' ' || "offset" || ': ' || term FROM temp.fts_instances
UNION ALL SELECT 'sizes ' || ticket_id || ': ' || COALESCE(visible, '-') || ' | ' || COALESCE(notes, '-') FROM search_sizes ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := db.Collect(rows, func(r db.Scanner) (s string, err error) { return s, r.Scan(&s) })
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTransactionIndexesItsTicketsAtItsEnd: on SQLite the writes sharing a
// transaction (a group's batch, or a caller's) hold the search_docs insert
// trigger off, and their tickets' full-text documents and sizes are
// written once, when it ends (FTS5 flushed a segment at every write's
// savepoint before). Writes that fail undo their documents — the first one
// the hold-off it set too — and the documents written at the end are the
// triggers' own.
func TestTransactionIndexesItsTicketsAtItsEnd(t *testing.T) {
	d := apptest.DB(t, db.SQLite)
	s := apptest.Services(t, d)
	agent := apptest.User(t, s, user.RoleAgent, "")
	req := apptest.User(t, s, user.RoleRequester, "")
	kilo := apptest.Ticket(t, s, req, func(n *ticket.NewTicket) { n.Subject = "Kilo printer"; n.Body = "It jams." })
	boom := errors.New("boom")
	var lima, papa *ticket.Ticket
	inside := -1
	err := d.WithTx(ctx, func(tx *db.Tx) error {
		tctx := db.WithinTx(ctx, tx)
		create := func(subject, body string) (*ticket.Ticket, error) {
			return s.Tickets.Create(tctx, req, ticket.NewTicket{Subject: subject, Body: body})
		}
		failing := func(subject string) error {
			err := d.WithTx(tctx, func(*db.Tx) error {
				if _, err := create(subject, "Never indexed."); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Errorf("a failing write: %v", err)
			}
			return nil
		}
		var err error
		failing("Oscar fails first")
		if lima, err = create("Lima scanner", "Mike toner is low."); err != nil {
			return err
		}
		if _, err := s.Tickets.Reply(tctx, agent, kilo.Number, ticket.NewReply{Body: "November cartridge fitted."}); err != nil {
			return err
		}
		failing("Oscar fails again")
		if papa, err = create("Papa monitor", "Quebec cable."); err != nil {
			return err
		}
		if _, err := s.Tickets.Reply(tctx, agent, lima.Number, ticket.NewReply{Body: "Romeo ordered toner.", Internal: true}); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM search_fts_ticket WHERE rowid IN ($1, $2)`, lima.ID, papa.ID).Scan(&inside)
	})
	if err != nil {
		t.Fatal(err)
	}
	if inside != 0 {
		t.Errorf("%d of the new tickets' full-text documents were written before the transaction's end, want none", inside)
	}
	for _, c := range []struct {
		a     *user.Actor
		query string
		want  []int64
	}{
		{agent, "kilo november", []int64{kilo.Number}},
		{agent, "lima mike", []int64{lima.Number}},
		{agent, "romeo", []int64{lima.Number}},
		{req, "romeo", nil},
		{agent, "papa quebec", []int64{papa.Number}},
		{agent, "oscar", nil},
		{agent, "never", nil},
	} {
		for _, sort := range []string{"", "relevance"} {
			if got := numbers(t, s.Tickets, c.a, c.query, sort); !slices.Equal(got, c.want) && len(got)+len(c.want) > 0 {
				t.Errorf("%s searching %q (sort %q) found %v, want %v", c.a.Role, c.query, sort, got, c.want)
			}
		}
	}
	var held int
	if err := d.R.QueryRowContext(ctx, `SELECT count(*) FROM search_fts_deferred`).Scan(&held); err != nil || held != 0 {
		t.Fatalf("the insert trigger is still held off after the commit (%d rows, %v)", held, err)
	}
	if _, err := d.W.ExecContext(ctx, `INSERT INTO search_fts_ticket (search_fts_ticket, rank) VALUES ('integrity-check', 1)`); err != nil {
		t.Fatalf("the full-text index after the transaction: %v", err)
	}
	// The triggers' own documents: an update of every search document
	// makes them rebuild each ticket's.
	written := indexRows(t, d)
	if _, err := d.W.ExecContext(context.Background(), `UPDATE search_docs SET terms = terms`); err != nil {
		t.Fatal(err)
	}
	if rebuilt := indexRows(t, d); !slices.Equal(written, rebuilt) {
		t.Fatalf("written at the transaction's end:\n%q\nthe triggers write:\n%q", written, rebuilt)
	}
}

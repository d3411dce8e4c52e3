package ticket_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

func TestWriteHooksRunInTheTransaction(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		var seen []ticket.Write
		fail := false
		s.Tickets.OnWrite(func(ctx context.Context, tx *db.Tx, w ticket.Write) error {
			if fail {
				return errors.New("outbox full")
			}
			seen = append(seen, w)
			return nil
		})
		tk := apptest.Ticket(t, s, agent)
		if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Hello"}); err != nil {
			t.Fatal(err)
		}
		prio := "p1"
		if _, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Priority: &prio}, 0); err != nil {
			t.Fatal(err)
		}
		if len(seen) != 3 || seen[0].Event.Type != event.TicketCreated || seen[0].Message == nil ||
			seen[1].Event.Type != event.MessageCreated || seen[1].Message.Body != "Hello" || seen[1].Ticket.Status != ticket.StatusOpen ||
			seen[2].Event.Type != event.TicketUpdated || len(seen[2].Fields) != 1 || seen[2].Fields[0].New != "p1" {
			t.Fatalf("hooks saw %+v", seen)
		}
		// A failing hook aborts the write it belongs to.
		fail = true
		if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "lost"}); err == nil {
			t.Fatal("a reply whose hook failed was accepted")
		}
		if msgs, _ := s.Tickets.Messages(ctx, agent, tk.Number, 0, 50); len(msgs) != 2 {
			t.Fatalf("%d messages after a failed hook, want 2", len(msgs))
		}
	})
}

// TestWriteHooksAddToTheRow: a reply's or update's WriteHooks run before
// the ticket row is written, with the ticket as it will be; the due and
// warning times they set are stored by the ticket's own UPDATE without
// moving its version (the ETag), and their After hooks run once the row
// is written, before the OnWrite hooks.
func TestWriteHooksAddToTheRow(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		tk := apptest.Ticket(t, s, agent)
		var seen []string
		var due *time.Time
		s.Tickets.BeforeWrite(func(ctx context.Context, tx *db.Tx, p *ticket.Pending) error {
			var st string
			if err := tx.QueryRowContext(ctx, d.Rebind("SELECT status FROM tickets WHERE id = $1"), p.Ticket.ID).Scan(&st); err != nil {
				return err
			}
			seen = append(seen, fmt.Sprintf("before %s: row %s, ticket %s", p.Event.Type, st, p.Ticket.Status))
			p.SetDue(due, due)
			p.After(func(ctx context.Context, tx *db.Tx, w ticket.Write) error {
				seen = append(seen, "after "+w.Event.Type)
				return nil
			})
			return nil
		})
		s.Tickets.OnWrite(func(ctx context.Context, tx *db.Tx, w ticket.Write) error {
			seen = append(seen, fmt.Sprintf("on write %s, prepared %v", w.Event.Type, w.Prepared))
			return nil
		})
		row := func() (version int64, dueAt, warnAt *int64) {
			t.Helper()
			if err := d.R.QueryRowContext(ctx, d.Rebind("SELECT version, due_at, warn_at FROM tickets WHERE id = $1"), tk.ID).Scan(&version, &dueAt, &warnAt); err != nil {
				t.Fatal(err)
			}
			return
		}
		at := time.Now().Add(time.Hour)
		due = &at
		if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "On it"}); err != nil {
			t.Fatal(err)
		}
		want := []string{"before message.created: row new, ticket open", "after message.created", "on write message.created, prepared true"}
		if !slices.Equal(seen, want) {
			t.Fatalf("hooks ran %q, want %q", seen, want)
		}
		v, dueAt, warnAt := row()
		if dueAt == nil || warnAt == nil || *dueAt != at.UnixMicro() || *warnAt != at.UnixMicro() || v != tk.Version+1 {
			t.Fatalf("after the reply: version %d (was %d), due %v, warn %v; want one version more, both %d", v, tk.Version, dueAt, warnAt, at.UnixMicro())
		}
		// A note changes no field: the due times alone leave the version.
		later := at.Add(time.Hour)
		due = &later
		if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "psst", Internal: true}); err != nil {
			t.Fatal(err)
		}
		if v2, dueAt, _ := row(); v2 != v || dueAt == nil || *dueAt != later.UnixMicro() {
			t.Fatalf("after a note: version %d (was %d), due %v, want %d", v2, v, dueAt, later.UnixMicro())
		}
		// An update stores them too, and nil clears them; the ticket it
		// returns is as written.
		seen, due = nil, nil
		prio := "p1"
		got, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Priority: &prio}, 0)
		if err != nil {
			t.Fatal(err)
		}
		want = []string{"before ticket.updated: row open, ticket open", "after ticket.updated", "on write ticket.updated, prepared true"}
		if !slices.Equal(seen, want) {
			t.Fatalf("hooks ran %q, want %q", seen, want)
		}
		if v3, dueAt, warnAt := row(); dueAt != nil || warnAt != nil || got.DueAt != nil || v3 != v+1 || got.Version != v3 {
			t.Fatalf("after the update: version %d (returned %d, was %d), due %v (returned %v), warn %v; want one version more, no due times",
				v3, got.Version, v, dueAt, got.DueAt, warnAt)
		}
	})
}

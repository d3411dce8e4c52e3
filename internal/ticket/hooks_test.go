package ticket_test

import (
	"context"
	"errors"
	"testing"

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

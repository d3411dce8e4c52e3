package notify_test

import (
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/notify"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestAgentsPublicRepliesAreReadOnce: the consumer learns that an agent's
// public reply tells nobody from one read, where it read the ticket, the
// agent, the message and its attachments (five statements here, in
// SQLite's writer); a requester's reply on the same ticket is still read
// whole, and tells the assignee.
func TestAgentsPublicRepliesAreReadOnce(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ag := e.agents("ada", "bo")
		requester := apptest.User(t, e.s, user.RoleRequester, "req@example.org")
		tk := apptest.Ticket(t, e.s, ag[0], func(n *ticket.NewTicket) {
			n.Requester = &ticket.Contact{Email: "req@example.org"}
			n.Assignee = ag[0].Email
		})
		if _, err := e.s.Tickets.Reply(ctx, ag[1], tk.Number, ticket.NewReply{Body: "Looking into it."}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Tickets.Reply(ctx, requester, tk.Number, ticket.NewReply{Body: "Thanks!"}); err != nil {
			t.Fatal(err)
		}
		e.settle()
		recs, err := e.s.Events.Read(ctx, d.R, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var replies []event.Record
		for _, r := range recs {
			if r.Kind == event.MessageCreated && r.TicketID == tk.ID {
				replies = append(replies, r)
			}
		}
		if len(replies) != 2 {
			t.Fatalf("%d message events on the ticket, want 2", len(replies))
		}
		cost := func(r event.Record) int {
			var n int
			if err := d.WithTx(ctx, func(tx *db.Tx) error {
				before := tx.Statements()
				err := e.s.Notify.Handle(ctx, tx, []event.Record{r})
				n = tx.Statements() - before
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := cost(replies[0]); n != 1 {
			t.Errorf("an agent's public reply cost the consumer %d statements, want 1", n)
		}
		if n := cost(replies[1]); n < 4 {
			t.Errorf("a requester's reply cost the consumer %d statements, want it read whole (4 or more)", n)
		}
		if got := e.kinds(ag[0]); got[notify.KindReply] != 1 {
			t.Errorf("the assignee's notifications: %v, want one %s", got, notify.KindReply)
		}
	})
}

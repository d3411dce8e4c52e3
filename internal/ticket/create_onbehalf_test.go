package ticket_test

import (
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestCreateOnBehalfAuthor: a ticket an agent or an integration opens for
// a requester starts with the requester's words, unless the caller names
// itself the author; nobody else can be named.
func TestCreateOnBehalfAuthor(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		other := apptest.User(t, s, user.RoleAgent, "")
		firstAuthor := func(tk *ticket.Ticket) string {
			t.Helper()
			msgs, err := s.Tickets.Messages(ctx, agent, tk.Number, 0, 5)
			if err != nil || len(msgs) == 0 {
				t.Fatalf("messages: %v", err)
			}
			return msgs[0].Author.Email
		}
		for _, c := range []struct {
			name, author, want string
		}{
			{"default", "", "requester"},
			{"the requester named", "CALLER@example.test", "requester"},
			{"the agent names themselves", agent.Email, "agent"},
		} {
			tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) {
				n.Requester = &ticket.Contact{Email: "caller@example.test", Name: "Carla Caller"}
				n.Author = c.author
			})
			want := map[string]string{"requester": "caller@example.test", "agent": agent.Email}[c.want]
			if got := firstAuthor(tk); got != want {
				t.Errorf("%s: first message by %s, want %s", c.name, got, want)
			}
			evs, _ := s.Tickets.Events(ctx, agent, tk.Number, 0, 5)
			if len(evs) == 0 || evs[0].Actor.Email != agent.Email {
				t.Errorf("%s: history must still say the agent created it: %+v", c.name, evs)
			}
		}
		_, err := s.Tickets.Create(ctx, agent, ticket.NewTicket{Subject: "x", Body: "y",
			Requester: &ticket.Contact{Email: "caller@example.test"}, Author: other.Email})
		if fieldMsg(err, "author") == "" {
			t.Fatalf("a third person as author: %v", err)
		}
		// A requester's own ticket is theirs, as before.
		req := apptest.User(t, s, user.RoleRequester, "")
		tk := apptest.Ticket(t, s, req)
		if got := firstAuthor(tk); got != req.Email {
			t.Errorf("requester's ticket: first message by %s", got)
		}
	})
}

// TestCreateAlreadyResolved: an agent logs a call that is already dealt
// with: the ticket opens, then is resolved with its resolution, in one
// transaction; a wrong combination writes nothing.
func TestCreateAlreadyResolved(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) {
			n.Channel = ticket.ChannelPhone
			n.Status, n.Resolution, n.Solution = ticket.StatusResolved, ticket.ResolutionFixed, "Reset the password on the call."
		})
		if tk.Status != ticket.StatusResolved || tk.Resolution != ticket.ResolutionFixed || tk.Solution == "" || tk.ResolvedAt == nil {
			t.Fatalf("ticket = %+v", tk)
		}
		evs, err := s.Tickets.Events(ctx, agent, tk.Number, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var fields []string
		for _, e := range evs {
			fields = append(fields, e.Field)
		}
		if len(fields) < 3 || fields[0] != "created" || fields[1] != "status" || evs[1].New != "resolved" {
			t.Errorf("history = %v", fields)
		}
		open := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Status = ticket.StatusPending })
		if open.Status != ticket.StatusPending || open.Resolution != "" {
			t.Errorf("pending ticket = %+v", open)
		}
		before, _ := s.Tickets.Count(ctx, agent, ticket.Filter{})
		req := apptest.User(t, s, user.RoleRequester, "")
		for _, c := range []struct {
			name  string
			a     *user.Actor
			in    ticket.NewTicket
			field string
		}{
			{"resolved without a resolution", agent, ticket.NewTicket{Status: ticket.StatusResolved}, "resolution"},
			{"a resolution while open", agent, ticket.NewTicket{Status: ticket.StatusOpen, Resolution: ticket.ResolutionFixed}, "resolution"},
			{"a solution while new", agent, ticket.NewTicket{Solution: "done"}, "solution"},
			{"an unknown status", agent, ticket.NewTicket{Status: "done"}, "status"},
			{"a bad resolution", agent, ticket.NewTicket{Status: ticket.StatusClosed, Resolution: "magic"}, "resolution"},
			{"a requester", req, ticket.NewTicket{Status: ticket.StatusResolved, Resolution: ticket.ResolutionFixed}, "status"},
		} {
			c.in.Subject, c.in.Body = "Call", "Called"
			if c.a.IsAgent() {
				c.in.Requester = &ticket.Contact{Email: "caller@example.test"}
			}
			if _, err := s.Tickets.Create(ctx, c.a, c.in); fieldMsg(err, c.field) == "" {
				t.Errorf("%s: %v does not name %s", c.name, err, c.field)
			}
		}
		if after, _ := s.Tickets.Count(ctx, agent, ticket.Filter{}); after != before {
			t.Errorf("refused creates wrote %d tickets", after-before)
		}
	})
}

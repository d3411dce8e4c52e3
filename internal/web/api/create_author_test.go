package api_test

import (
	"testing"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/user"
)

// TestCreateTicketAuthor: an integration opening a ticket for a requester
// passes on the requester's words; "author" lets the caller say the words
// are its own, and names nobody else.
func TestCreateTicketAuthor(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		agent, c := f.user(t, user.RoleAgent, "")
		first := func(tk *client.Ticket) string {
			t.Helper()
			p, err := c.Messages(ctx, tk.Number, client.ListOptions{})
			check(t, err)
			if len(p.Items) == 0 {
				t.Fatal("no messages")
			}
			return p.Items[0].Author.Email
		}
		requester := uniqueEmail("caller")
		for _, tc := range []struct{ author, want string }{
			{"", requester}, {requester, requester}, {"me", agent.Email}, {agent.Email, agent.Email},
		} {
			tk := createTicket(t, c, client.NewTicket{Subject: "VPN", Body: "It drops.", Author: tc.author,
				Requester: &client.Contact{Email: requester}})
			if got := first(tk); got != tc.want {
				t.Errorf("author %q: first message by %s, want %s", tc.author, got, tc.want)
			}
		}
		_, err := c.CreateTicket(ctx, client.NewTicket{Subject: "VPN", Body: "It drops.", Author: uniqueEmail("someone"),
			Requester: &client.Contact{Email: requester}})
		wantField(t, err, "author")
	})
}

package ticket_test

import (
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestGetIsOneStatement: an agent's Get reads the ticket and its followers
// in one statement (it was three: the ticket, its followers and the custom
// field definitions, now cached), the followers in email order whatever
// their case, with their names.
func TestGetIsOneStatement(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		var emails []string
		for _, e := range []string{"Carol@example.test", "alice@example.test", "bob@example.test"} {
			emails = append(emails, apptest.User(t, s, user.RoleAgent, e).Email)
		}
		tk := apptest.Ticket(t, s, agent)
		bare := apptest.Ticket(t, s, agent)
		if _, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Followers: &emails}, 0); err != nil {
			t.Fatal(err)
		}
		apptest.Pumped(t, s)
		if _, err := s.Tickets.Get(ctx, agent, tk.Number); err != nil { // the field cache is filled
			t.Fatal(err)
		}
		counted, n := db.CountStatements(ctx)
		got, err := s.Tickets.Get(counted, agent, tk.Number)
		if err != nil {
			t.Fatal(err)
		}
		if n() != 1 {
			t.Errorf("Get ran %d statements, want 1", n())
		}
		want := []string{"alice@example.test", "bob@example.test", "Carol@example.test"}
		if len(got.Followers) != len(want) {
			t.Fatalf("followers %+v, want %v", got.Followers, want)
		}
		for i, f := range got.Followers {
			if f.Email != want[i] || f.Name != "Test agent" || f.ID == 0 {
				t.Errorf("follower %d: %+v, want %s, named, with an id", i, f, want[i])
			}
		}
		if none, err := s.Tickets.Get(ctx, agent, bare.Number); err != nil || none.Followers == nil || len(none.Followers) != 0 {
			t.Errorf("a ticket without followers: %+v, %v; want an empty list", none.Followers, err)
		}
	})
}

package ticket_test

import (
	"reflect"
	"testing"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestWritesAnswerWhatIsStored: Create and Reply build the ticket and the
// message they answer with from what they wrote instead of reading them
// back; a read afterwards gives exactly the same, in every shape a ticket
// takes — a requester's own (with an organization), an agent's with a
// category, a restricted team, an assignee, tags, custom fields and a
// required field left empty — and for the message of a reply and a note.
func TestWritesAnswerWhatIsStored(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin, agent, requester, orgName, category, team := referencedDesk(t, s)
		same := func(what string, a *user.Actor, got *ticket.Ticket) {
			t.Helper()
			want, err := s.Tickets.Get(ctx, a, got.Number)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: Create answered\n%+v\nbut a read gives\n%+v", what, *got, *want)
			}
		}
		own := apptest.Ticket(t, s, requester)
		if own.Organization == nil || own.Organization.Name != orgName {
			t.Fatalf("the requester's ticket has organization %+v, want %s", own.Organization, orgName)
		}
		same("a requester's own ticket", requester, own)
		full := apptest.Ticket(t, s, admin, func(n *ticket.NewTicket) {
			n.Category, n.Team, n.Assignee, n.Priority = category, team, agent.Email, "p2"
			n.Tags = []string{"printer", "Fire"}
			n.CustomFields = map[string]any{"seats": 3}
			n.Type = ticket.Request
		})
		if !full.TeamRestricted || full.Assignee == nil || full.MissingFields == nil {
			t.Fatalf("the agent's ticket: restricted %v, assignee %+v, missing %v", full.TeamRestricted, full.Assignee, full.MissingFields)
		}
		same("an agent's ticket with every reference", admin, full)
		same("a ticket opened by an agent as the author", agent, apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) {
			n.Author, n.CustomFields = agent.Email, map[string]any{"seats": 1.5}
		}))
		for _, internal := range []bool{false, true} {
			m, err := s.Tickets.Reply(ctx, agent, full.Number, ticket.NewReply{Body: "On **it**.", Internal: internal})
			if err != nil {
				t.Fatal(err)
			}
			msgs, err := s.Tickets.Messages(ctx, agent, full.Number, m.ID-1, 1)
			if err != nil || len(msgs) != 1 {
				t.Fatalf("messages: %v %v", msgs, err)
			}
			if !reflect.DeepEqual(m, msgs[0]) {
				t.Errorf("Reply (internal %v) answered\n%+v\nbut a read gives\n%+v", internal, *m, *msgs[0])
			}
		}
	})
}

// TestListsReadWhatGetReads: a list's tickets are what a get reads, in
// every shape — with an organization, a category, a restricted team, an
// assignee, merged into another — for an admin and for an agent of the
// team, listed or found by a search. On PostgreSQL a page's tickets and
// their names are read apart (pageOfIDs, ticketsByID, fillLookups).
func TestListsReadWhatGetReads(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin, agent, requester, _, category, team := referencedDesk(t, s)
		printer := func(n *ticket.NewTicket) { n.Subject = "Printer jam" }
		full := apptest.Ticket(t, s, admin, printer, func(n *ticket.NewTicket) {
			n.Category, n.Team, n.Assignee, n.Priority = category, team, agent.Email, "p2"
			n.CustomFields = map[string]any{"seats": 3}
		})
		apptest.Ticket(t, s, requester, printer)
		merged := apptest.Ticket(t, s, requester, printer)
		if _, err := s.Tickets.Merge(ctx, agent, merged.Number, full.Number); err != nil {
			t.Fatal(err)
		}
		words, err := search.Parse("printer")
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []*user.Actor{admin, agent} {
			// Lists, and searches newest first and by relevance (on
			// PostgreSQL their tickets are read by id: ticketsByID).
			for _, f := range []ticket.Filter{{}, {Sort: "priority"}, {Status: []ticket.Status{ticket.StatusClosed}},
				{Text: words}, {Text: words, Sort: "relevance"}} {
				listed, _, err := s.Tickets.List(ctx, a, f)
				if err != nil {
					t.Fatal(err)
				}
				if want := 3; len(f.Status) == 0 && len(listed) != want {
					t.Fatalf("%s listed %d tickets, want %d", a.Email, len(listed), want)
				}
				sawMerged := false
				for _, got := range listed {
					want, err := s.Tickets.Get(ctx, a, got.Number)
					if err != nil {
						t.Fatal(err)
					}
					want.Followers = got.Followers // a get's alone
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%s listed\n%+v\nbut a get reads\n%+v", a.Email, *got, *want)
					}
					sawMerged = sawMerged || got.MergedInto == full.Number
				}
				if !sawMerged {
					t.Errorf("%s's list %+v: no ticket merged into #%d", a.Email, f, full.Number)
				}
			}
		}
	})
}

// referencedDesk gives s an organization with a requester in it, a
// restricted team with an agent in it, a category and two custom fields
// (one required), and returns the people and the names.
func referencedDesk(t *testing.T, s *app.Services) (admin, agent, requester *user.Actor, orgName, category, team string) {
	t.Helper()
	admin = apptest.User(t, s, user.RoleAdmin, "")
	agent = apptest.User(t, s, user.RoleAgent, "")
	orgName, domain := "Acme", "acme.test"
	if _, err := s.Users.CreateOrganization(ctx, admin, user.OrganizationInput{Name: &orgName, Domain: &domain}); err != nil {
		t.Fatal(err)
	}
	requester = apptest.User(t, s, user.RoleRequester, "pat@acme.test")
	if _, err := s.Users.Update(ctx, admin, requester.ID, user.Patch{Organization: &orgName}); err != nil {
		t.Fatal(err)
	}
	requester = apptest.Actor(t, s, requester)
	team = "HR"
	yes := true
	members := []string{agent.Email}
	if _, err := s.Users.CreateTeam(ctx, admin, user.TeamInput{Name: &team, Restricted: &yes, Members: &members}); err != nil {
		t.Fatal(err)
	}
	agent = apptest.Actor(t, s, agent)
	category = "Hardware"
	if _, err := s.Tickets.CreateCategory(ctx, admin, ticket.CategoryInput{Name: &category}); err != nil {
		t.Fatal(err)
	}
	typ, key, label, req := ticket.FieldText, "asset", "Asset tag", false
	if _, err := s.Tickets.CreateFieldDef(ctx, admin, ticket.FieldDefInput{Key: &key, Label: &label, Type: &typ, Required: &req}); err != nil {
		t.Fatal(err)
	}
	typ, key, label, req = ticket.FieldNumber, "seats", "Seats", true
	if _, err := s.Tickets.CreateFieldDef(ctx, admin, ticket.FieldDefInput{Key: &key, Label: &label, Type: &typ, Required: &req}); err != nil {
		t.Fatal(err)
	}
	return admin, agent, requester, orgName, category, team
}

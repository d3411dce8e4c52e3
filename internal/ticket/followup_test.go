package ticket_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// An agent opens a follow-up of a closed ticket: a new ticket for the same
// requester, of the same type, team and category, linked to the closed
// one, with the agent's text as its first message. Only a closed ticket
// has one; a requester never calls this.
func TestAgentOpensFollowUpOfClosedTicket(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		agent := apptest.User(t, s, user.RoleAgent, "")
		team := "Field service"
		if _, err := s.Users.CreateTeam(ctx, admin, user.TeamInput{Name: &team}); err != nil {
			t.Fatal(err)
		}
		catName := "Printers"
		cat, err := s.Tickets.CreateCategory(ctx, admin, ticket.CategoryInput{Name: &catName})
		if err != nil {
			t.Fatal(err)
		}
		tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) {
			n.Subject, n.Type, n.Team, n.Category = "Printer jams", ticket.Request, team, catName
		})
		if _, err := s.Tickets.FollowUp(ctx, agent, tk.Number, ticket.NewReply{Body: "Again?"}); !errors.Is(err, fault.ErrConflict) {
			t.Fatalf("follow-up of an open ticket: %v, want a conflict (reply instead)", err)
		}
		closed, fixed := ticket.StatusClosed, ticket.ResolutionFixed
		if _, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Status: &closed, Resolution: &fixed}, 0); err != nil {
			t.Fatal(err)
		}
		req := apptest.Actor(t, s, &user.Actor{ID: tk.Requester.ID})
		if _, err := s.Tickets.FollowUp(ctx, req, tk.Number, ticket.NewReply{Body: "Me too"}); !errors.Is(err, fault.ErrForbidden) {
			t.Fatalf("a requester's follow-up: %v, want forbidden", err)
		}
		if _, err := s.Tickets.FollowUp(ctx, agent, tk.Number, ticket.NewReply{Body: " "}); fieldMsg(err, "body") == "" {
			t.Fatalf("empty follow-up: %v, want a body error", err)
		}
		fu, err := s.Tickets.FollowUp(ctx, agent, tk.Number, ticket.NewReply{Body: "The printer jams again since Monday."})
		if err != nil {
			t.Fatal(err)
		}
		if fu.Requester.Email != tk.Requester.Email || fu.Type != ticket.Request || fu.Subject != "Follow-up: Printer jams" ||
			fu.Team == nil || fu.Team.Name != team || fu.Category == nil || fu.Category.Name != catName || fu.Channel != ticket.ChannelWeb {
			t.Errorf("follow-up = %+v", fu)
		}
		ms, err := s.Tickets.Messages(ctx, agent, fu.Number, 0, 10)
		if err != nil || len(ms) != 1 || ms[0].Internal || ms[0].Body != "The printer jams again since Monday." || ms[0].Author.Email != agent.Email {
			t.Fatalf("first message: %+v %v", ms, err)
		}
		links, _ := s.Tickets.Links(ctx, agent, fu.Number)
		if len(links) != 1 || links[0].Number != tk.Number || links[0].Type != ticket.LinkRelated {
			t.Errorf("follow-up links = %+v", links)
		}
		// A category deactivated since does not block the follow-up: it
		// is opened without it.
		off := false
		if _, err := s.Tickets.UpdateCategory(ctx, admin, cat.ID, ticket.CategoryInput{Active: &off}); err != nil {
			t.Fatal(err)
		}
		fu2, err := s.Tickets.FollowUp(ctx, agent, tk.Number, ticket.NewReply{Body: "And once more."})
		if err != nil {
			t.Fatalf("follow-up with a deactivated category: %v", err)
		}
		if fu2.Category != nil || fu2.Team == nil || !strings.HasPrefix(fu2.Subject, "Follow-up: ") {
			t.Errorf("second follow-up = %+v", fu2)
		}
	})
}

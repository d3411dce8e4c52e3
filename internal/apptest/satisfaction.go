package apptest

import (
	"context"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/satisfaction"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// RatedTicket has agent create a ticket for a new requester, assigned to
// assignee and team (emails and names; "" for none), and resolve it; the
// requester then rates it score (on the scale the settings name), and the
// rating is dated at.
func RatedTicket(t testing.TB, s *app.Services, agent *user.Actor, assignee, team, score string, at time.Time) *ticket.Ticket {
	t.Helper()
	ctx := context.Background()
	tk := Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Assignee, n.Team = assignee, team })
	st, res := ticket.StatusResolved, ticket.ResolutionFixed
	if _, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Status: &st, Resolution: &res}, 0); err != nil {
		t.Fatalf("resolve: %v", err)
	}
	req, err := s.Users.Actor(ctx, tk.Requester.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Satisfaction.Rate(ctx, req, tk.ID, satisfaction.Input{Score: score}); err != nil {
		t.Fatalf("rate %s: %v", score, err)
	}
	if _, err := s.DB.W.ExecContext(ctx, s.DB.Rebind(`UPDATE satisfaction_ratings SET created_at = $1, rated_at = $1 WHERE ticket_id = $2`),
		at.UnixMicro(), tk.ID); err != nil {
		t.Fatal(err)
	}
	return tk
}

package assign_test

import (
	"context"
	"testing"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/assign"
	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

var ctx = context.Background()

// settle waits until the assignment and trigger consumers have read every
// event, including those their own writes produced.
func settle(t *testing.T, s *app.Services) {
	t.Helper()
	apptest.Settle(t, s, assign.ConsumerName, automation.ConsumerName)
}

// desk is a team with agents for the tests.
type desk struct {
	s      *app.Services
	admin  *user.Actor
	team   *user.Team
	agents []*user.Actor
}

// newDesk creates team name with n agents (named Agent A, Agent B, …),
// with strategy and cap.
func newDesk(t *testing.T, s *app.Services, name string, n int, strategy string, cap int) *desk {
	t.Helper()
	d := &desk{s: s, admin: apptest.User(t, s, user.RoleAdmin, "")}
	var emails []string
	for i := range n {
		a := apptest.User(t, s, user.RoleAgent, "")
		label := "Agent " + string(rune('A'+i))
		if _, err := s.Users.Update(ctx, apptest.Setup, a.ID, user.Patch{Name: &label}); err != nil {
			t.Fatal(err)
		}
		a.Name = label
		d.agents = append(d.agents, a)
		emails = append(emails, a.Email)
	}
	tm, err := s.Users.CreateTeam(ctx, d.admin, user.TeamInput{Name: &name, Members: &emails})
	if err != nil {
		t.Fatal(err)
	}
	d.team = tm
	d.set(t, strategy, cap)
	return d
}

func (d *desk) set(t *testing.T, strategy string, cap int) {
	t.Helper()
	if _, err := d.s.Assign.Update(ctx, d.admin, d.team.ID, assign.Input{Strategy: &strategy, Cap: &cap}); err != nil {
		t.Fatal(err)
	}
}

// ticket creates a ticket in the team, unassigned.
func (d *desk) ticket(t *testing.T, opts ...func(*ticket.NewTicket)) *ticket.Ticket {
	t.Helper()
	return apptest.Ticket(t, d.s, d.admin, append([]func(*ticket.NewTicket){func(in *ticket.NewTicket) { in.Team = d.team.Name }}, opts...)...)
}

// assignee is ticket number's assignee's email ("" for none).
func assignee(t *testing.T, s *app.Services, number int64) string {
	t.Helper()
	tk, err := s.Tickets.Load(ctx, s.DB.R, number)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Assignee == nil {
		return ""
	}
	return tk.Assignee.Email
}

// reasons lists ticket number's automatic assignment reasons, oldest first.
func reasons(t *testing.T, s *app.Services, admin *user.Actor, number int64) []string {
	t.Helper()
	evs, err := s.Tickets.Events(ctx, admin, number, 0, 200)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		if e.Field == "assignment" {
			if e.Actor.Name != assign.Actor.Name {
				t.Errorf("reason recorded by %q, want %q", e.Actor.Name, assign.Actor.Name)
			}
			out = append(out, e.New)
		}
	}
	return out
}

func resolve(t *testing.T, s *app.Services, a *user.Actor, number int64) {
	t.Helper()
	st, res := ticket.StatusResolved, ticket.Resolution("fixed")
	if _, err := s.Tickets.Update(ctx, a, number, ticket.Patch{Status: &st, Resolution: &res}, 0); err != nil {
		t.Fatal(err)
	}
}

func setAvailability(t *testing.T, s *app.Services, a *user.Actor, status string) {
	t.Helper()
	if _, err := s.Assign.SetAvailability(ctx, a, a.ID, status); err != nil {
		t.Fatal(err)
	}
}

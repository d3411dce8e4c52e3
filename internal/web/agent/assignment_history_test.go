package agent_test

import (
	"context"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/assign"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// The ticket page's history says who automatic assignment chose and why,
// with "Automatic assignment" as the actor.
func TestHistoryShowsAssignmentReason(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	b, _ := signIn(t, e, user.RoleAgent)
	carol := newAgent(t, e, "carol@example.test", "Carol Chen")
	name, members := "Service Desk", []string{carol.Email}
	team, err := e.Users.CreateTeam(ctx, e.Admin, user.TeamInput{Name: &name, Members: &members})
	if err != nil {
		t.Fatal(err)
	}
	strategy, cap := assign.RoundRobin, 20
	if _, err := e.Assign.Update(ctx, e.Admin, team.ID, assign.Input{Strategy: &strategy, Cap: &cap}); err != nil {
		t.Fatal(err)
	}
	tk := apptest.Ticket(t, e.Services, e.Admin, func(in *ticket.NewTicket) { in.Team = name })
	apptest.Settle(t, e.Services, assign.ConsumerName)
	_, body, _ := b.get("/tickets/" + itoa(tk.Number))
	hist := section(t, body, `id="history"`, `</details>`)
	for _, want := range []string{
		"Automatic assignment set Assignee to Carol Chen",
		"Automatic assignment chose the assignee: round-robin in Service Desk; Carol Chen was next and under their cap of 20",
	} {
		if !strings.Contains(hist, want) {
			t.Errorf("history lacks %q:\n%s", want, hist)
		}
	}
}

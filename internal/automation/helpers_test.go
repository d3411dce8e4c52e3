package automation_test

import (
	"context"
	"testing"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/user"
)

// settle waits until the triggers consumer has read every event,
// including those its own rules wrote: caught up, and still caught up a
// moment later (on PostgreSQL the pump numbers new events first).
func settle(t *testing.T, s *app.Services) {
	t.Helper()
	apptest.Settle(t, s, automation.ConsumerName)
}

func mustTrigger(t *testing.T, s *app.Services, admin *user.Actor, name string, events []string, conds automation.Conditions, acts automation.Actions) *automation.Trigger {
	t.Helper()
	tr, err := s.Automation.Create(context.Background(), admin, automation.Input{Name: &name, Events: &events,
		Conditions: &conds, Actions: &acts})
	if err != nil {
		t.Fatalf("create trigger %s: %v", name, err)
	}
	return tr
}

func mustTeam(t *testing.T, s *app.Services, admin *user.Actor, name string, members ...string) *user.Team {
	t.Helper()
	in := user.TeamInput{Name: &name}
	if len(members) > 0 {
		in.Members = &members
	}
	tm, err := s.Users.CreateTeam(context.Background(), admin, in)
	if err != nil {
		t.Fatalf("create team %s: %v", name, err)
	}
	return tm
}

package automation_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// fakeClock is the time the time rules measure to, set by the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// timeServices builds services over d whose time rules read clock: an
// instance of Docket, as serve starts it.
func timeServices(t *testing.T, d *db.DB, clock *fakeClock) *app.Services {
	t.Helper()
	return apptest.ServicesWith(t, d, func(s *app.Services) { s.TimeRules.Now = clock.Now })
}

func mustTimeRule(t *testing.T, s *app.Services, admin *user.Actor, name, since string, minutes int, calendar int64,
	conds automation.Conditions, acts automation.Actions) *automation.TimeRule {
	t.Helper()
	r, err := s.TimeRules.Create(context.Background(), admin, automation.TimeRuleInput{Name: &name, Since: &since,
		Minutes: &minutes, CalendarID: &calendar, Conditions: &conds, Actions: &acts})
	if err != nil {
		t.Fatalf("create time rule %s: %v", name, err)
	}
	return r
}

// runRules runs the time rules once, as the job does.
func runRules(t *testing.T, s *app.Services) {
	t.Helper()
	if _, err := s.TimeRules.Run(context.Background()); err != nil {
		t.Fatalf("run time rules: %v", err)
	}
}

// setMoment moves one of ticket id's moments (a ticket_moments column) to at.
func setMoment(t *testing.T, s *app.Services, id int64, column string, at time.Time) {
	t.Helper()
	if _, err := s.DB.W.ExecContext(context.Background(), s.DB.Rebind("UPDATE ticket_moments SET "+column+" = $1 WHERE ticket_id = $2"),
		at.UnixMicro(), id); err != nil {
		t.Fatal(err)
	}
}

// notes counts the internal notes on ticket number whose body is body.
func notes(t *testing.T, s *app.Services, admin *user.Actor, number int64, body string) int {
	t.Helper()
	msgs, err := s.Tickets.Messages(context.Background(), admin, number, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.Internal && strings.TrimSpace(m.Body) == body {
			n++
		}
	}
	return n
}

func setStatus(t *testing.T, s *app.Services, a *user.Actor, number int64, st ticket.Status) {
	t.Helper()
	p := ticket.Patch{Status: &st}
	if st == ticket.StatusResolved || st == ticket.StatusClosed {
		res := ticket.Resolution("fixed")
		p.Resolution = &res
	}
	if _, err := s.Tickets.Update(context.Background(), a, number, p, 0); err != nil {
		t.Fatalf("set status %s: %v", st, err)
	}
}

var pendingFor = automation.Conditions{All: []automation.Condition{{Field: "status", Op: automation.OpIs, Value: "pending"}}}

func noteAction(body string) automation.Actions {
	return automation.Actions{{Type: automation.ActNote, Body: body}}
}

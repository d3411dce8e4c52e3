package sla_test

import (
	"context"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/bizhours"
	"github.com/docket/docket/internal/calendar"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/sla"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

var ctx = context.Background()

// roundTheClock creates a 24×7 calendar, so business minutes are minutes.
func roundTheClock(t testing.TB, s *app.Services, admin *user.Actor) *calendar.Calendar {
	t.Helper()
	var ivs []bizhours.IntervalSpec
	for _, d := range bizhours.Weekdays {
		ivs = append(ivs, bizhours.IntervalSpec{Day: bizhours.DayName(d), Start: "00:00", End: "24:00"})
	}
	name, zone := "24x7", "UTC"
	c, err := s.Calendars.Create(ctx, admin, calendar.Input{Name: &name, TimeZone: &zone, Intervals: &ivs})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func minutes(n int) *int { return &n }

// policy creates an enabled policy on cal with goals for p1 to p3.
func policy(t testing.TB, s *app.Services, admin *user.Actor, cal int64, name string, conds []sla.ConditionInput, esc *sla.EscalationInput) *sla.Policy {
	t.Helper()
	targets := []sla.TargetInput{
		{Priority: "p1", FirstResponse: minutes(30), NextResponse: minutes(60), Resolution: minutes(240)},
		{Priority: "p2", FirstResponse: minutes(60), NextResponse: minutes(120), Resolution: minutes(480)},
		{Priority: "p3", FirstResponse: minutes(120), NextResponse: minutes(240), Resolution: minutes(960)},
	}
	if conds == nil {
		conds = []sla.ConditionInput{}
	}
	p, err := s.SLA.Create(ctx, admin, sla.Input{Name: &name, CalendarID: &cal, Conditions: &conds, Targets: &targets, Escalation: esc})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// standardDesk is a desk on d with an admin, an agent, a requester and
// the policy "Standard" (policy) on a 24×7 calendar for every ticket.
func standardDesk(t testing.TB, d *db.DB) (s *app.Services, admin, agent, requester *user.Actor) {
	t.Helper()
	s = apptest.Services(t, d)
	admin = apptest.User(t, s, user.RoleAdmin, "")
	agent = apptest.User(t, s, user.RoleAgent, "")
	requester = apptest.User(t, s, user.RoleRequester, "")
	policy(t, s, admin, roundTheClock(t, s, admin).ID, "Standard", nil, nil)
	return s, admin, agent, requester
}

// clocks reads ticket tk's SLA now.
func clocks(t testing.TB, s *app.Services, admin *user.Actor, tk *ticket.Ticket) *sla.TicketSLA {
	t.Helper()
	m, err := s.SLA.Of(ctx, admin, []int64{tk.ID}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return m[tk.ID]
}

// desk is two instances over one database, with an admin, a requester and
// a 24×7 calendar.
type desk struct {
	s, other         *app.Services
	admin, requester *user.Actor
	cal              *calendar.Calendar
}

func twoInstances(t *testing.T, d *db.DB) desk {
	t.Helper()
	s := apptest.Services(t, d)
	k := desk{s: s, other: apptest.Services(t, d), admin: apptest.User(t, s, user.RoleAdmin, ""),
		requester: apptest.User(t, s, user.RoleRequester, "")}
	k.cal = roundTheClock(t, s, k.admin)
	return k
}

package sla_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/notify"
	"github.com/docket/docket/internal/sla"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// timers returns the queued jobs of kind.
func timers(t *testing.T, s *app.Services, kind string) []job.Job {
	t.Helper()
	js, err := s.Jobs.List(ctx, job.Filter{Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// count counts the domain events of kind. On PostgreSQL events are
// numbered after commit by the pump's sequencer; number them first, so
// the count does not depend on whether the pump ran yet.
func count(t *testing.T, s *app.Services, kind string) int {
	t.Helper()
	if _, err := s.Events.Sequence(ctx); err != nil {
		t.Fatal(err)
	}
	rs, err := s.Events.Read(ctx, s.DB.R, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rs {
		if r.Kind == kind {
			n++
		}
	}
	return n
}

// TestTimersFireOnce fires each timer more than once, from the instance
// that queued it and from a second one over the same database (a restart,
// or another server): each warning and breach is recorded once, and the
// breach escalates once.
func TestTimersFireOnce(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		other := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		agent := apptest.User(t, s, user.RoleAgent, "")
		lead := apptest.User(t, s, user.RoleAgent, "")
		team, err := s.Users.CreateTeam(ctx, admin, user.TeamInput{Name: ptr("Desk"), Members: &[]string{agent.Email, lead.Email}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Users.SetLead(ctx, admin, team.ID, lead.Email, true); err != nil {
			t.Fatal(err)
		}
		escalated, err := s.Users.CreateTeam(ctx, admin, user.TeamInput{Name: ptr("Escalations")})
		if err != nil {
			t.Fatal(err)
		}
		cal := roundTheClock(t, s, admin)
		policy(t, s, admin, cal.ID, "Standard", nil, &sla.EscalationInput{Notify: true, RaisePriority: true, Team: "Escalations"})
		tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) {
			n.Priority, n.Team, n.Assignee = "p3", "Desk", agent.Email
		})
		warn := timers(t, s, sla.WarningJob)
		if len(warn) != 2 {
			t.Fatalf("%d warning timers, want 2 (first response, resolution)", len(warn))
		}
		var fr job.Job
		for _, j := range warn {
			if strings.Contains(string(j.Args), sla.FirstResponse) {
				fr = j
			}
		}
		for _, svc := range []*app.Services{s, other, s} {
			if err := svc.SLA.Fire(ctx, &fr); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, s, event.SLAWarning); n != 1 {
			t.Fatalf("%d warning events, want 1", n)
		}
		breach := timers(t, s, sla.BreachJob)
		if len(breach) != 1 {
			t.Fatalf("%d breach timers after the warning, want 1", len(breach))
		}
		// Two instances fire the breach at once; one wins.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, svc := range []*app.Services{s, other} {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = svc.SLA.Fire(ctx, &breach[0]) }()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil && !db.IsRetryable(err) {
				t.Fatal(err)
			}
		}
		if err := other.SLA.Fire(ctx, &breach[0]); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, event.SLABreached); n != 1 {
			t.Fatalf("%d breach events, want 1", n)
		}
		got, err := s.Tickets.Get(ctx, admin, tk.Number)
		if err != nil {
			t.Fatal(err)
		}
		if got.Priority != ticket.P2 || got.Team == nil || got.Team.ID != escalated.ID {
			t.Fatalf("escalated ticket: priority %s team %+v", got.Priority, got.Team)
		}
		st := clocks(t, s, admin, got)
		if !st.Breached || st.Target(sla.FirstResponse).State != sla.StateBreached || st.Target(sla.FirstResponse).Goal != 60 {
			t.Fatalf("after the breach: %+v", st)
		}
		// The assignee and the team's lead were told of the breach, once
		// each; the assignee of the warning before it.
		apptest.Settle(t, s, notify.ConsumerName)
		for _, who := range []*user.Actor{agent, lead} {
			ns, err := s.Notify.List(ctx, who, notify.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := 1
			if who == agent {
				want = 2
			}
			if len(ns) != want || ns[0].Kind != "sla_breach_first_response" || ns[0].Lead() != "SLA first response breached on" {
				t.Fatalf("%s's notifications: %+v", who.Email, ns)
			}
			if who == agent && ns[1].Kind != "sla_warning_first_response" {
				t.Fatalf("%s's first notification: %+v", who.Email, ns[1])
			}
		}
		hist, err := s.Tickets.Events(ctx, admin, tk.Number, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var sawBreach, sawPriority bool
		for _, h := range hist {
			sawBreach = sawBreach || h.Field == "sla" && h.New == "first response breached" && h.Actor.Name == "SLA ‘Standard’"
			sawPriority = sawPriority || h.Field == "priority" && h.New == "p2" && h.Actor.Name == "SLA ‘Standard’"
		}
		if !sawBreach || !sawPriority {
			t.Fatalf("history %+v", hist)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestWarningsBatch makes several warning timers due at once: the first
// one to run records every due warning in its transaction, each once
// with its own event and breach timer, and completes the other timers;
// running a timer again records nothing more.
func TestWarningsBatch(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		other := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		requester := apptest.User(t, s, user.RoleRequester, "")
		cal := roundTheClock(t, s, admin)
		policy(t, s, admin, cal.ID, "Standard", nil, nil)
		for range 3 {
			apptest.Ticket(t, s, requester)
		}
		warn := timers(t, s, sla.WarningJob)
		if len(warn) != 6 {
			t.Fatalf("%d warning timers, want 6", len(warn))
		}
		if _, err := s.DB.W.ExecContext(ctx, s.DB.Rebind("UPDATE jobs SET run_at = $1 WHERE kind = $2"), time.Now().UnixMicro(), sla.WarningJob); err != nil {
			t.Fatal(err)
		}
		if err := s.SLA.Fire(ctx, &warn[0]); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, event.SLAWarning); n != 6 {
			t.Fatalf("%d warning events after one timer ran, want 6", n)
		}
		for _, j := range timers(t, s, sla.WarningJob) {
			if j.State != job.Completed {
				t.Errorf("warning timer %d is %s, want completed", j.ID, j.State)
			}
		}
		if n := len(timers(t, s, sla.BreachJob)); n != 6 {
			t.Fatalf("%d breach timers, want 6", n)
		}
		for _, svc := range []*app.Services{s, other} {
			for _, j := range warn {
				if err := svc.SLA.Fire(ctx, &j); err != nil {
					t.Fatal(err)
				}
			}
		}
		if n := count(t, s, event.SLAWarning); n != 6 {
			t.Fatalf("%d warning events after every timer ran again, want 6", n)
		}
	})
}

package sla_test

import (
	"slices"
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

// timers returns the jobs of kind still to run, but for the ones a test
// ran itself (SLA.Fire runs a job without the runner, which would
// complete it).
func timers(t *testing.T, s *app.Services, kind string, ran ...job.Job) []job.Job {
	t.Helper()
	js, err := s.Jobs.List(ctx, job.Filter{Kind: kind, State: job.Available})
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(js, func(j job.Job) bool {
		return slices.ContainsFunc(ran, func(r job.Job) bool { return r.ID == j.ID })
	})
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
// breach escalates once. A ticket has one timer at a time, at its next
// instant.
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
		// The create queued no timer: the scan queues it, once, when the
		// warning comes within its look-ahead (here: the scans of the
		// next 100 minutes, from both instances).
		if js := timers(t, s, sla.TimerJob); len(js) != 0 {
			t.Fatalf("%d timers after the create, want none", len(js))
		}
		for _, svc := range []*app.Services{s, other} {
			if err := svc.SLA.ScanUntil(ctx, tk.CreatedAt.Add(100*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		warn := timers(t, s, sla.TimerJob)
		if len(warn) != 1 {
			t.Fatalf("%d timers, want 1 for the ticket", len(warn))
		}
		near(t, "timer", &warn[0].RunAt, tk.CreatedAt.Add(96*time.Minute)) // 80 % of first response's 120
		for _, svc := range []*app.Services{s, other, s} {
			if err := svc.SLA.Fire(ctx, &warn[0]); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, s, event.SLAWarning); n != 1 {
			t.Fatalf("%d warning events, want 1", n)
		}
		breach := timers(t, s, sla.TimerJob, warn...)
		if len(breach) != 1 {
			t.Fatalf("%d timers after the warning, want 1", len(breach))
		}
		near(t, "breach timer", &breach[0].RunAt, tk.CreatedAt.Add(120*time.Minute))
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
		escalatedOnce(t, s, tk, agent, lead)
		// The assignee was told of the warning before it too.
		if ns, err := s.Notify.List(ctx, agent, notify.ListOptions{}); err != nil || len(ns) != 2 || ns[1].Kind != "sla_warning_first_response" {
			t.Fatalf("%s's notifications: %+v %v", agent.Email, ns, err)
		}
		// The next timer is resolution's warning (p2 now: 80 % of 480).
		if next := timers(t, s, sla.TimerJob, append(warn, breach...)...); len(next) != 1 || !next[0].RunAt.After(breach[0].RunAt) {
			t.Fatalf("timers after the breach: %+v", next)
		}
	})
}

// escalatedOnce checks that the first-response breach of tk was escalated
// once: who (the assignee and the team's lead) were told once each, and
// the history has the breach and the raised priority once each, by the SLA.
func escalatedOnce(t *testing.T, s *app.Services, tk *ticket.Ticket, who ...*user.Actor) {
	t.Helper()
	// Notifications come from their own consumer, after the breach.
	apptest.Settle(t, s, notify.ConsumerName)
	for _, a := range who {
		ns, err := s.Notify.List(ctx, a, notify.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		breaches := 0
		for _, n := range ns {
			if n.Kind == "sla_breach_first_response" && n.Lead() == "SLA first response breached on" {
				breaches++
			}
		}
		if breaches != 1 {
			t.Fatalf("%s's notifications: %+v", a.Email, ns)
		}
	}
	hist, err := s.Tickets.Events(ctx, who[0], tk.Number, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	breaches, raised := 0, 0
	for _, h := range hist {
		if h.Field == "sla" && h.New == "first response breached" && h.Actor.Name == "SLA ‘Standard’" {
			breaches++
		}
		if h.Field == "priority" && h.New == "p2" && h.Actor.Name == "SLA ‘Standard’" {
			raised++
		}
	}
	if breaches != 1 || raised != 1 {
		t.Fatalf("history: %d breaches, %d raised priorities, want 1 each: %+v", breaches, raised, hist)
	}
}

// TestBreachFoundAtStopEscalatesOnce: the agent answers after the first
// response target passed and before its timer ran. The breach is recorded
// with the reply, and escalated as a timer's breach is, by a timer due at
// once, and once, however often and wherever the timers run.
func TestBreachFoundAtStopEscalatesOnce(t *testing.T) {
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
		cal := roundTheClock(t, s, admin)
		policy(t, s, admin, cal.ID, "Standard", nil, &sla.EscalationInput{Notify: true, RaisePriority: true})
		tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) {
			n.Priority, n.Team, n.Assignee = "p3", "Desk", agent.Email
		})
		// First response (120 minutes) started three hours ago; its timers
		// have not run.
		back := (3 * time.Hour).Microseconds()
		if _, err := d.W.ExecContext(ctx, d.Rebind(`UPDATE sla_clocks SET started_at = started_at - $1, warn_at = warn_at - $1,
			due_at = due_at - $1 WHERE ticket_id = $2`), back, tk.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Sorry for the wait"}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, event.SLABreached); n != 1 {
			t.Fatalf("%d breach events after the late reply, want 1", n)
		}
		// A timer due now escalates it: the runner runs it.
		deadline := time.Now().Add(10 * time.Second)
		for {
			got, err := s.Tickets.Get(ctx, admin, tk.Number)
			if err != nil {
				t.Fatal(err)
			}
			if got.Priority == ticket.P2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the breach found at the reply was not escalated within 10 s")
			}
			time.Sleep(50 * time.Millisecond)
		}
		// Every timer, run again from both instances, escalates nothing more.
		due := timers(t, s, sla.TimerJob)
		for _, svc := range []*app.Services{s, other, s} {
			for _, j := range due {
				if err := svc.SLA.Fire(ctx, &j); err != nil {
					t.Fatal(err)
				}
			}
		}
		if n := count(t, s, event.SLABreached); n != 1 {
			t.Fatalf("%d breach events after the timers ran, want 1", n)
		}
		got, err := s.Tickets.Get(ctx, admin, tk.Number)
		if err != nil {
			t.Fatal(err)
		}
		if got.Priority != ticket.P2 {
			t.Fatalf("priority %s after the escalation, want p2", got.Priority)
		}
		if fr := clocks(t, s, admin, got).Target(sla.FirstResponse); fr.State != sla.StateBreached || fr.MetAt != nil {
			t.Fatalf("first response: %+v", fr)
		}
		escalatedOnce(t, s, tk, agent, lead)
	})
}

func ptr[T any](v T) *T { return &v }

// TestWarningsBatch makes the timers of several tickets due at once, with
// both clocks of each past their warning: the first timer to run records
// every due warning in its transaction, each once with its own event, and
// completes the other timers; each ticket then has one timer, for its next
// breach. Running the timers again records nothing more.
func TestWarningsBatch(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		k := twoInstances(t, d)
		s, other, requester := k.s, k.other, k.requester
		policy(t, s, k.admin, k.cal.ID, "Standard", nil, nil)
		for range 3 {
			apptest.Ticket(t, s, requester)
		}
		// Each ticket's warning comes within the scan's look-ahead: it
		// queues their timers (for a little later, so that no runner
		// claims them yet).
		soon := time.Now().Add(30 * time.Second)
		for q, at := range map[string]time.Time{"UPDATE tickets SET warn_at = $1 WHERE warn_at IS NOT NULL": soon,
			"UPDATE sla_timer_scan SET horizon = $1": time.Now()} {
			if _, err := s.DB.W.ExecContext(ctx, s.DB.Rebind(q), at.UnixMicro()); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SLA.ScanUntil(ctx, soon.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		warn := timers(t, s, sla.TimerJob)
		if len(warn) != 3 {
			t.Fatalf("%d timers, want 3 (one per ticket)", len(warn))
		}
		now := time.Now().UnixMicro()
		// The clocks first: a runner that claims a timer as soon as it is
		// due must find its warnings due too (the other order let it find
		// nothing, schedule the ticket's next timer for later, and leave
		// that ticket's warnings unrecorded).
		for _, q := range []string{"UPDATE sla_clocks SET warn_at = $1", "UPDATE jobs SET run_at = $1 WHERE kind = 'sla.timer'"} {
			if _, err := s.DB.W.ExecContext(ctx, s.DB.Rebind(q), now); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SLA.Fire(ctx, &warn[0]); err != nil {
			t.Fatal(err)
		}
		// The runner may have claimed a timer between the update and the
		// batch (then it records that ticket's warnings itself).
		deadline := time.Now().Add(10 * time.Second)
		for n := count(t, s, event.SLAWarning); n != 6; n = count(t, s, event.SLAWarning) {
			if n > 6 || time.Now().After(deadline) {
				t.Fatalf("%d warning events after one timer ran, want 6", n)
			}
			time.Sleep(20 * time.Millisecond)
		}
		next := timers(t, s, sla.TimerJob, warn[0])
		if len(next) != 3 {
			t.Fatalf("%d timers after the warnings, want 3 (each ticket's next breach)", len(next))
		}
		for _, j := range next {
			if slices.ContainsFunc(warn, func(w job.Job) bool { return w.ID == j.ID }) {
				t.Errorf("timer %d still queued after the batch ran it", j.ID)
			}
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
		if n := count(t, s, event.SLABreached); n != 0 {
			t.Fatalf("%d breach events before any due time, want 0", n)
		}
	})
}

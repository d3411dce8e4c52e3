package sla_test

import (
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/sla"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestPolicyEditRecomputesOpenTickets: shortening a policy's targets
// measures the clocks of its open tickets again, by a job that works in
// batches, each ticket with a history entry saying why; a resolved
// ticket keeps its verdict, and an edit that moves no clock (the name)
// queues nothing.
func TestPolicyEditRecomputesOpenTickets(t *testing.T) {
	defer sla.SetRecomputeBatch(2)()
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		agent := apptest.User(t, s, user.RoleAgent, "")
		cal := roundTheClock(t, s, admin)
		p := policy(t, s, admin, cal.ID, "Standard", nil, nil)
		var open []*ticket.Ticket
		for range 3 {
			open = append(open, apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Priority = "p3" }))
		}
		done := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Priority = "p3" })
		status(t, s.Tickets, agent, done, ticket.StatusResolved)
		doneBefore := clocks(t, s, admin, done)

		name := "Standard hours"
		if _, err := s.SLA.Update(ctx, admin, p.ID, sla.Input{Name: &name}); err != nil {
			t.Fatal(err)
		}
		if js := timers(t, s, sla.RecomputeJob); len(js) != 0 {
			t.Fatalf("a rename queued %d recompute jobs", len(js))
		}
		targets := []sla.TargetInput{{Priority: "p3", FirstResponse: minutes(30), Resolution: minutes(600)}}
		if _, err := s.SLA.Update(ctx, admin, p.ID, sla.Input{Targets: &targets}); err != nil {
			t.Fatal(err)
		}
		// The runner runs the job at once, in batches of two: the first
		// queues the second.
		deadline := time.Now().Add(20 * time.Second)
		for {
			js, err := s.Jobs.List(ctx, job.Filter{Kind: sla.RecomputeJob})
			if err != nil {
				t.Fatal(err)
			}
			if len(js) == 2 && js[0].State == job.Completed && js[1].State == job.Completed {
				break
			}
			if time.Now().After(deadline) || len(js) > 2 {
				t.Fatalf("recompute jobs: %+v", js)
			}
			time.Sleep(20 * time.Millisecond)
		}
		for _, tk := range open {
			st := clocks(t, s, admin, tk)
			fr, res := st.Target(sla.FirstResponse), st.Target(sla.Resolution)
			if fr.Goal != 30 || res.Goal != 600 {
				t.Fatalf("%s goals %d, %d after the edit, want 30, 600", tk.Reference, fr.Goal, res.Goal)
			}
			near(t, "first response due", fr.DueAt, tk.CreatedAt.Add(30*time.Minute))
			got, err := s.Tickets.Get(ctx, admin, tk.Number)
			if err != nil {
				t.Fatal(err)
			}
			near(t, "ticket due_at", got.DueAt, tk.CreatedAt.Add(30*time.Minute))
			hist, err := s.Tickets.Events(ctx, admin, tk.Number, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			saw := 0
			for _, h := range hist {
				if h.Field == "sla" && strings.Contains(h.New, "due times recomputed: policy targets changed") && h.Actor.Name == "SLA ‘Standard hours’" {
					saw++
				}
			}
			if saw != 1 {
				t.Fatalf("%s history: %d recompute entries, want 1: %+v", tk.Reference, saw, hist)
			}
		}
		after := clocks(t, s, admin, done)
		if a, b := after.Target(sla.Resolution), doneBefore.Target(sla.Resolution); a.Goal != b.Goal || a.State != b.State {
			t.Fatalf("resolved ticket's clock moved: %+v, was %+v", a, b)
		}
	})
}

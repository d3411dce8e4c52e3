package sla_test

import (
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/sla"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

func near(t *testing.T, what string, got *time.Time, want time.Time) {
	t.Helper()
	if got == nil || got.Sub(want).Abs() > 2*time.Minute {
		t.Fatalf("%s = %v, want about %v", what, got, want)
	}
}

func TestClocksFollowTheTicket(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		agent := apptest.User(t, s, user.RoleAgent, "")
		cal := roundTheClock(t, s, admin)
		policy(t, s, admin, cal.ID, "Standard", nil, nil)
		tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Priority = "p3" })
		st := clocks(t, s, admin, tk)
		if st == nil || st.Policy != "Standard" || len(st.Targets) != 2 {
			t.Fatalf("after create: %+v", st)
		}
		near(t, "first response due", st.Target(sla.FirstResponse).DueAt, tk.CreatedAt.Add(120*time.Minute))
		near(t, "resolution due", st.Target(sla.Resolution).DueAt, tk.CreatedAt.Add(960*time.Minute))
		near(t, "ticket due_at", tk.DueAt, tk.CreatedAt.Add(120*time.Minute))
		// An internal note stops nothing; a public reply stops first response.
		if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "looking", Internal: true}); err != nil {
			t.Fatal(err)
		}
		if st := clocks(t, s, admin, tk); st.Target(sla.FirstResponse).State != sla.StateRunning {
			t.Fatalf("after a note: %+v", st.Target(sla.FirstResponse))
		}
		if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "On it"}); err != nil {
			t.Fatal(err)
		}
		st = clocks(t, s, admin, tk)
		if fr := st.Target(sla.FirstResponse); fr.State != sla.StateMet || fr.MetAt == nil {
			t.Fatalf("after a reply: %+v", fr)
		}
		got, _ := s.Tickets.Get(ctx, agent, tk.Number)
		near(t, "ticket due_at after reply", got.DueAt, tk.CreatedAt.Add(960*time.Minute))
		if got.Version != tk.Version+0 && got.Version == 0 {
			t.Fatal("no version")
		}
	})
}

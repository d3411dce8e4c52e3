package sla_test

import (
	"context"
	"database/sql"
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

// status moves tk to st as agent.
func status(t *testing.T, s interface {
	Update(context.Context, *user.Actor, int64, ticket.Patch, int64) (*ticket.Ticket, error)
}, a *user.Actor, tk *ticket.Ticket, st ticket.Status) {
	t.Helper()
	p := ticket.Patch{Status: &st}
	if !st.Active() {
		res := ticket.ResolutionFixed
		p.Resolution = &res
	}
	if _, err := s.Update(ctx, a, tk.Number, p, 0); err != nil {
		t.Fatal(err)
	}
}

func TestClockScenarios(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		agent := apptest.User(t, s, user.RoleAgent, "")
		cal := roundTheClock(t, s, admin)
		policy(t, s, admin, cal.ID, "Incidents", []sla.ConditionInput{{Field: "type", Op: "is", Value: "incident"}}, nil)
		policy(t, s, admin, cal.ID, "Everything else", nil, nil)

		t.Run("pending pauses, open resumes, resolved stops, reopened resumes", func(t *testing.T) {
			tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Priority = "p3" })
			status(t, s.Tickets, agent, tk, ticket.StatusPending)
			st := clocks(t, s, admin, tk)
			if st.Target(sla.Resolution).State != sla.StatePaused || st.Target(sla.Resolution).DueAt != nil {
				t.Fatalf("pending: %+v", st.Target(sla.Resolution))
			}
			if got, _ := s.Tickets.Get(ctx, agent, tk.Number); got.DueAt != nil || got.Version != tk.Version+1 {
				t.Fatalf("pending ticket due %v version %d (was %d)", got.DueAt, got.Version, tk.Version)
			}
			status(t, s.Tickets, agent, tk, ticket.StatusOpen)
			if st := clocks(t, s, admin, tk); st.Target(sla.Resolution).State != sla.StateRunning || st.Target(sla.Resolution).DueAt == nil {
				t.Fatalf("reopened from pending: %+v", st.Target(sla.Resolution))
			}
			status(t, s.Tickets, agent, tk, ticket.StatusResolved)
			st = clocks(t, s, admin, tk)
			for _, target := range []string{sla.FirstResponse, sla.Resolution} {
				if st.Target(target).State != sla.StateMet {
					t.Fatalf("resolved: %s %+v", target, st.Target(target))
				}
			}
			if got, _ := s.Tickets.Get(ctx, agent, tk.Number); got.DueAt != nil {
				t.Fatalf("resolved ticket still due %v", got.DueAt)
			}
			status(t, s.Tickets, agent, tk, ticket.StatusOpen)
			st = clocks(t, s, admin, tk)
			if st.Target(sla.Resolution).State != sla.StateRunning || st.Target(sla.FirstResponse).State != sla.StateMet {
				t.Fatalf("reopened: %+v", st.Targets)
			}
			near(t, "resumed resolution due", st.Target(sla.Resolution).DueAt, tk.CreatedAt.Add(960*time.Minute))
		})

		t.Run("priority and type changes choose again and say why", func(t *testing.T) {
			tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Priority = "p3" })
			p1 := "p1"
			if _, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Priority: &p1}, 0); err != nil {
				t.Fatal(err)
			}
			st := clocks(t, s, admin, tk)
			near(t, "p1 first response due", st.Target(sla.FirstResponse).DueAt, tk.CreatedAt.Add(30*time.Minute))
			if st.Policy != "Incidents" || st.Target(sla.FirstResponse).Goal != 30 {
				t.Fatalf("after p1: %+v", st)
			}
			req := ticket.Request
			if _, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Type: &req}, 0); err != nil {
				t.Fatal(err)
			}
			if st := clocks(t, s, admin, tk); st.Policy != "Everything else" {
				t.Fatalf("after the type change: %+v", st)
			}
			hist, _ := s.Tickets.Events(ctx, admin, tk.Number, 0, 100)
			var whys []string
			for _, h := range hist {
				if h.Field == "sla" {
					whys = append(whys, h.Old+" → "+h.New+" by "+h.Actor.Name)
				}
			}
			want := []string{"Incidents → Incidents (due times recomputed: priority changed) by SLA ‘Incidents’",
				"Incidents → Everything else (due times recomputed: type changed) by SLA ‘Everything else’"}
			if len(whys) != 2 || whys[0] != want[0] || whys[1] != want[1] {
				t.Fatalf("history says %q", whys)
			}
		})

		t.Run("next response runs from each requester message to the next public reply", func(t *testing.T) {
			requester := apptest.User(t, s, user.RoleRequester, "")
			tk := apptest.Ticket(t, s, requester) // p3, the default
			if _, err := s.Tickets.Reply(ctx, requester, tk.Number, ticket.NewReply{Body: "anyone?"}); err != nil {
				t.Fatal(err)
			}
			if st := clocks(t, s, admin, tk); st.Target(sla.NextResponse) != nil {
				t.Fatalf("next response before the first response: %+v", st.Target(sla.NextResponse))
			}
			if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Hello"}); err != nil {
				t.Fatal(err)
			}
			for cycle := range 2 {
				m, err := s.Tickets.Reply(ctx, requester, tk.Number, ticket.NewReply{Body: "still broken"})
				if err != nil {
					t.Fatal(err)
				}
				st := clocks(t, s, admin, tk)
				nr := st.Target(sla.NextResponse)
				if nr == nil || nr.State != sla.StateRunning || nr.StartedAt.Sub(m.CreatedAt).Abs() > time.Second {
					t.Fatalf("cycle %d: next response %+v", cycle, nr)
				}
				near(t, "next response due", nr.DueAt, m.CreatedAt.Add(240*time.Minute))
				if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "note", Internal: true}); err != nil {
					t.Fatal(err)
				}
				if st := clocks(t, s, admin, tk); st.Target(sla.NextResponse).State != sla.StateRunning {
					t.Fatalf("cycle %d: a note stopped next response", cycle)
				}
				if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "try this"}); err != nil {
					t.Fatal(err)
				}
				if st := clocks(t, s, admin, tk); st.Target(sla.NextResponse).State != sla.StateMet {
					t.Fatalf("cycle %d: after the reply %+v", cycle, st.Target(sla.NextResponse))
				}
			}
		})
	})
}

// TestQuietReplyWritesNoClock: once first response is met and no next
// response counts, an agent's further replies move no clock, so the SLA
// writes nothing for them: no clock row, no timer, no ticket due time.
func TestQuietReplyWritesNoClock(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		agent := apptest.User(t, s, user.RoleAgent, "")
		cal := roundTheClock(t, s, admin)
		policy(t, s, admin, cal.ID, "Standard", nil, nil)
		tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Priority = "p3" })
		if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "On it"}); err != nil {
			t.Fatal(err)
		}
		state := func() string {
			var clocks, jobs string
			q := d.Rebind(`SELECT COALESCE(MAX(c.due_at), 0) || '/' || COALESCE(MAX(c.stopped_at), 0) || '/' || COUNT(*) || '/' ||
				COALESCE(MAX(t.due_at), 0) || '/' || COALESCE(MAX(t.warn_at), 0)
				FROM sla_clocks c JOIN tickets t ON t.id = c.ticket_id WHERE c.ticket_id = $1`)
			if err := d.R.QueryRowContext(ctx, q, tk.ID).Scan(&clocks); err != nil {
				t.Fatal(err)
			}
			if err := d.R.QueryRowContext(ctx, "SELECT COUNT(*) || '/' || COALESCE(MAX(id), 0) FROM jobs WHERE kind = 'sla.timer'").Scan(&jobs); err != nil {
				t.Fatal(err)
			}
			return clocks + " " + jobs
		}
		before := state()
		for range 2 {
			if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Still on it"}); err != nil {
				t.Fatal(err)
			}
		}
		if after := state(); after != before {
			t.Fatalf("clocks and timers %s after quiet replies, were %s", after, before)
		}
	})
}

// TestTicketRowHoldsTheClocks: after every reply and update, the ticket
// row's due_at and warn_at are what its clocks leave (the earliest due
// time of the running clocks, the earliest warning of those not
// breached), stored by the write's own UPDATE of the ticket, and the
// version (the ETag) moves only with the ticket's own fields, never with
// the clocks.
func TestTicketRowHoldsTheClocks(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s, _, agent, requester := standardDesk(t, d)
		tk := apptest.Ticket(t, s, requester) // p3: first response in 2 h, resolution in 16 h
		version := tk.Version
		check := func(step string, moved bool, want *time.Time) {
			t.Helper()
			var version2 int64
			var due, warn, clocksDue, clocksWarn sql.NullInt64
			if err := d.R.QueryRowContext(ctx, d.Rebind("SELECT version, due_at, warn_at FROM tickets WHERE id = $1"), tk.ID).Scan(&version2, &due, &warn); err != nil {
				t.Fatal(err)
			}
			if err := d.R.QueryRowContext(ctx, d.Rebind(`SELECT MIN(due_at), MIN(CASE WHEN breached_at IS NULL THEN warn_at END)
				FROM sla_clocks WHERE ticket_id = $1 AND stopped_at IS NULL AND paused_at IS NULL`), tk.ID).Scan(&clocksDue, &clocksWarn); err != nil {
				t.Fatal(err)
			}
			if due != clocksDue || warn != clocksWarn {
				t.Fatalf("%s: the ticket is due %v, warns %v; its clocks say %v, %v", step, due, warn, clocksDue, clocksWarn)
			}
			if want == nil && due.Valid || want != nil && (!due.Valid || db.Time(due.Int64).Sub(*want).Abs() > 2*time.Minute) {
				t.Fatalf("%s: the ticket is due %v, want about %v", step, db.NullTime(due), want)
			}
			got, err := s.Tickets.Get(ctx, agent, tk.Number)
			if err != nil {
				t.Fatal(err)
			}
			if !sameMicros(got.DueAt, db.NullTime(due)) {
				t.Fatalf("%s: Get says due %v, the row %v", step, got.DueAt, db.NullTime(due))
			}
			if moved && version2 != version+1 || !moved && version2 != version {
				t.Fatalf("%s: version %d, was %d (want it moved: %v)", step, version2, version, moved)
			}
			version = version2
		}
		reply := func(a *user.Actor, in ticket.NewReply) time.Time {
			t.Helper()
			m, err := s.Tickets.Reply(ctx, a, tk.Number, in)
			if err != nil {
				t.Fatal(err)
			}
			return m.CreatedAt
		}
		update := func(p ticket.Patch) time.Time {
			t.Helper()
			got, err := s.Tickets.Update(ctx, agent, tk.Number, p, 0)
			if err != nil {
				t.Fatal(err)
			}
			return got.UpdatedAt
		}
		resolution := tk.CreatedAt.Add(960 * time.Minute)
		check("created", false, ptr(tk.CreatedAt.Add(120*time.Minute)))
		reply(agent, ticket.NewReply{Body: "On it"}) // new → open; first response met
		check("first response", true, &resolution)
		at := reply(requester, ticket.NewReply{Body: "Still broken"}) // next response starts
		check("requester's message", false, ptr(at.Add(240*time.Minute)))
		reply(agent, ticket.NewReply{Body: "psst", Internal: true})
		check("note", false, ptr(at.Add(240*time.Minute)))
		reply(agent, ticket.NewReply{Body: "Try this"}) // next response met
		check("next response", false, &resolution)
		pending, open, resolved := ticket.StatusPending, ticket.StatusOpen, ticket.StatusResolved
		update(ticket.Patch{Status: &pending})
		check("pending", true, nil)
		update(ticket.Patch{Status: &open})
		check("open again", true, &resolution)
		p2 := "p2"
		update(ticket.Patch{Priority: &p2}) // resolution in 8 h from the start
		check("priority", true, ptr(tk.CreatedAt.Add(480*time.Minute)))
		fixed := ticket.ResolutionFixed
		reply(agent, ticket.NewReply{Body: "Fixed", Status: resolved, Resolution: fixed})
		check("reply and resolve", true, nil)
		at = reply(requester, ticket.NewReply{Body: "No, it is not"}) // reopens; next response starts
		check("reopened", true, ptr(at.Add(120*time.Minute)))
	})
}

func sameMicros(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.UnixMicro() == b.UnixMicro()
}

// A ticket merged into another is closed as a duplicate: its clocks stop
// there, as a resolution stops them, and its row is due no more — it must
// not warn, breach or sit in At risk for a ticket nobody works on.
func TestMergeStopsTheMergedTicketsClocks(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s, admin, agent, requester := standardDesk(t, d)
		dup := apptest.Ticket(t, s, requester)
		into := apptest.Ticket(t, s, requester)
		if _, err := s.Tickets.Merge(ctx, agent, dup.Number, into.Number); err != nil {
			t.Fatal(err)
		}
		var due, warn sql.NullInt64
		if err := d.R.QueryRowContext(ctx, d.Rebind("SELECT due_at, warn_at FROM tickets WHERE id = $1"), dup.ID).Scan(&due, &warn); err != nil {
			t.Fatal(err)
		}
		if due.Valid || warn.Valid {
			t.Fatalf("the merged ticket is still due %v, warns %v", db.NullTime(due), db.NullTime(warn))
		}
		st := clocks(t, s, admin, dup)
		if st == nil {
			t.Fatal("the merged ticket lost its SLA")
		}
		for _, target := range st.Targets {
			if target.State == sla.StateRunning || target.State == sla.StatePaused {
				t.Fatalf("the merged ticket's %s clock is %s", target.Target, target.State)
			}
		}
		// The surviving ticket's clocks run on.
		if st := clocks(t, s, admin, into); st.Target(sla.Resolution).State != sla.StateRunning {
			t.Fatalf("the surviving ticket's resolution clock: %+v", st.Target(sla.Resolution))
		}
	})
}

package automation_test

import (
	"context"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestCloseResolvedBuiltin: the seeded rule closes a ticket 7 days after
// it was resolved — not a minute before — keeping its resolution, with
// the rule as the actor in history. Both databases.
func TestCloseResolvedBuiltin(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := &fakeClock{t: time.Now()}
		s := timeServices(t, d, clock)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		tk := apptest.Ticket(t, s, admin)
		setStatus(t, s, admin, tk.Number, ticket.StatusResolved)
		resolved, err := s.Tickets.Get(ctx, admin, tk.Number)
		if err != nil {
			t.Fatal(err)
		}

		clock.Set(resolved.ResolvedAt.Add(7*24*time.Hour - time.Minute))
		runRules(t, s)
		if got, _ := s.Tickets.Get(ctx, admin, tk.Number); got.Status != ticket.StatusResolved {
			t.Fatalf("a minute before 7 days: status %s, want resolved", got.Status)
		}
		clock.Set(resolved.ResolvedAt.Add(7*24*time.Hour + time.Second))
		runRules(t, s)
		got, err := s.Tickets.Get(ctx, admin, tk.Number)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != ticket.StatusClosed || got.Resolution != "fixed" {
			t.Fatalf("after 7 days: status %s resolution %q, want closed, fixed", got.Status, got.Resolution)
		}
		hist, err := s.Tickets.Events(ctx, admin, tk.Number, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var by string
		for _, h := range hist {
			if h.Field == "status" && h.New == "closed" {
				by = h.Actor.Name
			}
		}
		if by != "Time rule “Close resolved tickets after 7 days”" {
			t.Errorf("closed by %q, want the built-in time rule", by)
		}
	})
}

// TestTimeRuleOnceAcrossRestart: a rule acts once per ticket and
// occurrence however often it runs, also from a fresh instance over the
// same database (a restart). Both databases.
func TestTimeRuleOnceAcrossRestart(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s, clock, admin, tk := nudged(t, d)

		clock.Set(time.Now().Add(2 * time.Hour))
		runRules(t, s)
		runRules(t, s)
		if n := notes(t, s, admin, tk.Number, "Still pending."); n != 1 {
			t.Fatalf("after two runs: %d notes, want 1", n)
		}
		again := timeServices(t, d, clock) // a restart: fresh services over the same database
		runRules(t, again)
		if n := notes(t, s, admin, tk.Number, "Still pending."); n != 1 {
			t.Fatalf("after a restart: %d notes, want 1", n)
		}
	})
}

// TestTimeRuleOccurrenceRefires: a ticket pending again later is a new
// occurrence, and the rule acts again; a ticket that left the state does
// not match.
func TestTimeRuleOccurrenceRefires(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s, clock, admin, tk := nudged(t, d)
		setMoment(t, s, tk.ID, "status_changed_at", time.Now().Add(-3*time.Hour))
		clock.Set(time.Now())
		runRules(t, s)

		setStatus(t, s, admin, tk.Number, ticket.StatusOpen)
		runRules(t, s)
		setStatus(t, s, admin, tk.Number, ticket.StatusPending)
		runRules(t, s) // pending again, but not for an hour yet
		if n := notes(t, s, admin, tk.Number, "Still pending."); n != 1 {
			t.Fatalf("pending again for less than an hour: %d notes, want 1", n)
		}
		clock.Set(time.Now().Add(61 * time.Minute))
		runRules(t, s)
		if n := notes(t, s, admin, tk.Number, "Still pending."); n != 2 {
			t.Fatalf("pending again for an hour: %d notes, want 2", n)
		}
	})
}

// nudged is an instance whose rule "Nudge pending" notes "Still pending."
// on a ticket pending for an hour, and a ticket pending now.
func nudged(t *testing.T, d *db.DB) (*app.Services, *fakeClock, *user.Actor, *ticket.Ticket) {
	t.Helper()
	clock := &fakeClock{t: time.Now()}
	s := timeServices(t, d, clock)
	admin := apptest.User(t, s, user.RoleAdmin, "")
	mustTimeRule(t, s, admin, "Nudge pending", automation.SinceStatusChanged, 60, 0, pendingFor, noteAction("Still pending."))
	tk := apptest.Ticket(t, s, admin)
	setStatus(t, s, admin, tk.Number, ticket.StatusPending)
	return s, clock, admin, tk
}

// TestTimeRuleWithAGoneTeam: a rule whose condition names a team deleted
// since is skipped with a warning; the rules after it still run.
func TestTimeRuleWithAGoneTeam(t *testing.T) {
	d := apptest.DB(t, db.SQLite)
	s, clock, admin, tk := nudged(t, d)
	tm := mustTeam(t, s, admin, "Night shift")
	mustTimeRule(t, s, admin, "Night shift's", automation.SinceCreated, 1, 0,
		automation.Conditions{All: []automation.Condition{{Field: "team", Op: automation.OpIs, Value: "Night shift"}}},
		noteAction("Night."))
	if _, err := s.DB.W.ExecContext(context.Background(), s.DB.Rebind("DELETE FROM teams WHERE id = $1"), tm.ID); err != nil {
		t.Fatal(err)
	}
	// The gone team's rule runs after the nudge: move it first.
	if _, err := s.DB.W.ExecContext(context.Background(), "UPDATE time_rules SET position = 0 WHERE name = 'Night shift''s'"); err != nil {
		t.Fatal(err)
	}
	clock.Set(time.Now().Add(2 * time.Hour))
	runRules(t, s)
	if n := notes(t, s, admin, tk.Number, "Still pending."); n != 1 {
		t.Fatalf("the rule after the broken one: %d notes, want 1", n)
	}
}

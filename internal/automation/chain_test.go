package automation_test

import (
	"context"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/webhook"
)

func runs(t *testing.T, s *automation.Service, admin *user.Actor, id int64) []automation.Run {
	t.Helper()
	rs, err := s.Runs(context.Background(), admin, id, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestFailingActionChangesNothing: when one action of a rule fails, the
// rule's other actions are rolled back with it, and the run log says why.
// Both databases.
func TestFailingActionChangesNothing(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		// The last action fails after the others wrote: its webhook is
		// deleted after the trigger was saved.
		allow, on := true, true
		hook, err := s.Webhooks.Create(ctx, admin, webhook.Input{URL: ptr("http://127.0.0.1:9/hook"), Events: &[]string{"ticket.created"},
			Secret: ptr("a test secret, long enough"), AllowPrivateHost: &allow, Enabled: &on})
		if err != nil {
			t.Fatal(err)
		}
		tr := mustTrigger(t, s, admin, "Half-done", []string{event.TicketCreated}, automation.Conditions{},
			automation.Actions{{Type: automation.ActSet, Field: "priority", Value: "p1"},
				{Type: automation.ActAddTags, Tags: []string{"seen"}},
				{Type: automation.ActNote, Body: "Looked at it."},
				{Type: automation.ActWebhook, WebhookID: hook.ID}})
		if err := s.Webhooks.Delete(ctx, admin, hook.ID); err != nil {
			t.Fatal(err)
		}
		tk := apptest.Ticket(t, s, admin)
		settle(t, s)
		got, err := s.Tickets.Get(ctx, admin, tk.Number)
		if err != nil {
			t.Fatal(err)
		}
		if got.Priority != tk.Priority || len(got.Tags) != 0 || got.Version != tk.Version {
			t.Errorf("after a failed rule: priority %s tags %v version %d, want %s [] %d", got.Priority, got.Tags, got.Version, tk.Priority, tk.Version)
		}
		msgs, _ := s.Tickets.Messages(ctx, admin, tk.Number, 0, 10)
		if len(msgs) != 1 {
			t.Errorf("%d messages, want only the first (no note)", len(msgs))
		}
		rs := runs(t, s.Automation, admin, tr.ID)
		if len(rs) != 1 || rs[0].Outcome != automation.RunFailed || rs[0].Ticket != tk.Number || rs[0].Detail == "" {
			t.Fatalf("run log %+v, want one failed run on %d with the reason", rs, tk.Number)
		}
	})
}

// TestRuleLoopStopsAtDepth: two rules that undo each other's change stop
// at the depth limit, with the reason in the run log; a rule never runs
// on its own write. Both databases.
func TestRuleLoopStopsAtDepth(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		on := []string{event.TicketUpdated}
		up := mustTrigger(t, s, admin, "Up", on,
			automation.Conditions{All: []automation.Condition{{Field: "priority", Op: automation.OpChangedTo, Value: "p2"}}},
			automation.Actions{{Type: automation.ActSet, Field: "priority", Value: "p1"}})
		down := mustTrigger(t, s, admin, "Down", on,
			automation.Conditions{All: []automation.Condition{{Field: "priority", Op: automation.OpChangedTo, Value: "p1"}}},
			automation.Actions{{Type: automation.ActSet, Field: "priority", Value: "p2"}})
		// It would run on its own every write if it could.
		self := mustTrigger(t, s, admin, "Self", on, automation.Conditions{},
			automation.Actions{{Type: automation.ActAddTags, Tags: []string{"touched"}}, {Type: automation.ActRemoveTags, Tags: []string{"fresh"}}})
		tk := apptest.Ticket(t, s, admin, func(n *ticket.NewTicket) { n.Tags = []string{"fresh"} })
		p2 := "p2"
		if _, err := s.Tickets.Update(ctx, admin, tk.Number, ticket.Patch{Priority: &p2}, 0); err != nil {
			t.Fatal(err)
		}
		settle(t, s)
		var deep []automation.Run
		applied := 0
		for _, id := range []int64{up.ID, down.ID} {
			for _, r := range runs(t, s.Automation, admin, id) {
				switch r.Outcome {
				case automation.RunTooDeep:
					deep = append(deep, r)
				case automation.RunApplied:
					applied++
				}
			}
		}
		if len(deep) != 1 || deep[0].Detail == "" || applied != event.MaxDepth {
			t.Fatalf("loop: %d applied, too deep %+v; want %d applied and one stop with the reason", applied, deep, event.MaxDepth)
		}
		selfRuns := runs(t, s.Automation, admin, self.ID)
		// Self acts on the person's update, and on each of Up's and Down's
		// writes, but never on its own.
		for _, r := range selfRuns {
			if r.Outcome == automation.RunFailed {
				t.Errorf("self: %+v", r)
			}
		}
		hist, _ := s.Tickets.Events(ctx, admin, tk.Number, 0, 1000)
		tagChanges := 0
		for _, h := range hist {
			if h.Field == "tags" {
				tagChanges++
			}
		}
		if tagChanges != 1 {
			t.Errorf("%d tag changes, want 1: Self's second run changes nothing", tagChanges)
		}
	})
}

func ptr[T any](v T) *T { return &v }

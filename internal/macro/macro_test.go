package macro_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/macro"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

func ptr[T any](v T) *T { return &v }

func mustMacro(t *testing.T, s *app.Services, a *user.Actor, in macro.Input) *macro.Macro {
	t.Helper()
	m, err := s.Macros.Create(context.Background(), a, in)
	if err != nil {
		t.Fatalf("create macro: %v", err)
	}
	return m
}

func history(t *testing.T, s *app.Services, a *user.Actor, n int64) []ticket.HistoryEvent {
	t.Helper()
	evs, err := s.Tickets.Events(context.Background(), a, n, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// TestApplyOneTransaction: a macro's actions, its history entry and its
// usage count are written together; when one action fails (a custom
// field value the field refuses) the ticket, its history and the count
// are as they were.
func TestApplyOneTransaction(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		ctx := context.Background()
		admin := apptest.User(t, s, user.RoleAdmin, "")
		agent := apptest.User(t, s, user.RoleAgent, "alice@example.test")
		if _, err := s.Tickets.CreateFieldDef(ctx, admin, ticket.FieldDefInput{Key: ptr("hours"), Label: ptr("Hours"),
			Type: ptr(ticket.FieldNumber)}); err != nil {
			t.Fatal(err)
		}
		good := mustMacro(t, s, admin, macro.Input{Name: ptr("Password reset"),
			Body: ptr("Hi {{requester.name}}, about {{ticket.number}}: here is your reset link."),
			Actions: &automation.Actions{
				{Type: automation.ActSet, Field: "status", Value: "pending"},
				{Type: automation.ActSet, Field: "priority", Value: "p2"},
				{Type: automation.ActAddTags, Tags: []string{"password"}},
				{Type: automation.ActNote, Body: "Reset link sent for {{.Ticket.Reference}}."},
			}})
		bad := mustMacro(t, s, admin, macro.Input{Name: ptr("Broken"), Actions: &automation.Actions{
			{Type: automation.ActAddTags, Tags: []string{"broken"}},
			{Type: automation.ActSet, Field: "priority", Value: "p1"},
			{Type: automation.ActSet, Field: "custom_fields.hours", Value: "many"},
		}})
		tk := apptest.Ticket(t, s, agent)

		before := history(t, s, agent, tk.Number)
		if _, err := s.Macros.Apply(ctx, agent, tk.Number, bad.ID, 0, nil); err == nil || !errors.Is(err, fault.ErrInvalid) {
			t.Fatalf("a failing action: %v, want a field error", err)
		}
		after, _ := s.Tickets.Get(ctx, agent, tk.Number)
		if slices.Contains(after.Tags, "broken") || after.Priority.String() == "p1" || after.Version != tk.Version {
			t.Fatalf("the failing macro changed the ticket: tags %v priority %s version %d→%d", after.Tags, after.Priority, tk.Version, after.Version)
		}
		if got := history(t, s, agent, tk.Number); len(got) != len(before) {
			t.Fatalf("the failing macro wrote history: %+v", got[len(before):])
		}
		if m, _ := s.Macros.Get(ctx, admin, bad.ID); m.UsageCount != 0 {
			t.Fatalf("a failed application was counted: %d", m.UsageCount)
		}

		res, err := s.Macros.Apply(ctx, agent, tk.Number, good.ID, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Ticket.Status != ticket.StatusPending || res.Ticket.Priority.String() != "p2" || !slices.Contains(res.Ticket.Tags, "password") {
			t.Fatalf("applied: status %s priority %s tags %v", res.Ticket.Status, res.Ticket.Priority, res.Ticket.Tags)
		}
		if res.Reply != "Hi Req, about "+tk.Reference+": here is your reset link." {
			t.Fatalf("reply %q", res.Reply)
		}
		evs := history(t, s, agent, tk.Number)[len(before):]
		if len(evs) == 0 || evs[0].Field != macro.HistoryField || evs[0].New != "Password reset" || evs[0].Actor.Email != "alice@example.test" {
			t.Fatalf("history does not start with the macro: %+v", evs)
		}
		if !slices.ContainsFunc(evs, func(e ticket.HistoryEvent) bool { return e.Field == "message" }) {
			t.Fatalf("no internal note in history: %+v", evs)
		}
		msgs, err := s.Tickets.Messages(ctx, agent, tk.Number, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if last := msgs[len(msgs)-1]; !last.Internal || last.Body != "Reset link sent for "+tk.Reference+"." {
			t.Fatalf("note %+v", last)
		}
		if _, err := s.Macros.Apply(ctx, agent, tk.Number, good.ID, 0, nil); err != nil {
			t.Fatal(err)
		}
		if m, _ := s.Macros.Get(ctx, agent, good.ID); m.UsageCount != 2 {
			t.Fatalf("usage count %d, want 2", m.UsageCount)
		}
		// If-Match: a stale version changes nothing.
		cur, _ := s.Tickets.Get(ctx, agent, tk.Number)
		if _, err := s.Macros.Apply(ctx, agent, tk.Number, good.ID, cur.Version-1, nil); !errors.Is(err, fault.ErrPrecondition) {
			t.Fatalf("stale version: %v", err)
		}
		// A reply sent with it fails: nothing of the macro stays.
		n := len(history(t, s, agent, tk.Number))
		_, err = s.Macros.Apply(ctx, agent, tk.Number, good.ID, 0, func(ctx context.Context) error {
			_, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: ""})
			return err
		})
		if err == nil || len(history(t, s, agent, tk.Number)) != n {
			t.Fatalf("a failing reply left the macro applied: %v", err)
		}
	})
}

// TestVisibility: personal macros are their owner's, team macros their
// members', and only admins share them; agents change only their own.
func TestVisibility(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		ctx := context.Background()
		admin := apptest.User(t, s, user.RoleAdmin, "")
		alice := apptest.User(t, s, user.RoleAgent, "")
		bob := apptest.User(t, s, user.RoleAgent, "")
		if _, err := s.Users.CreateTeam(ctx, admin, user.TeamInput{Name: ptr("Network"), Members: &[]string{bob.Email}}); err != nil {
			t.Fatal(err)
		}
		bob = apptest.Actor(t, s, bob)
		mine := mustMacro(t, s, alice, macro.Input{Name: ptr("Mine"), Body: ptr("Hello")})
		if mine.Visibility != macro.Personal || mine.OwnerID != alice.ID {
			t.Fatalf("an agent's macro is %s of %d", mine.Visibility, mine.OwnerID)
		}
		team := mustMacro(t, s, admin, macro.Input{Name: ptr("Net"), Body: ptr("Hi"), Visibility: ptr(macro.Team), Team: ptr("Network")})
		all := mustMacro(t, s, admin, macro.Input{Name: ptr("All"), Body: ptr("Hi")})
		if _, err := s.Macros.Get(ctx, bob, mine.ID); !errors.Is(err, fault.ErrNotFound) {
			t.Fatalf("another agent's personal macro: %v", err)
		}
		if _, err := s.Macros.Get(ctx, alice, team.ID); !errors.Is(err, fault.ErrNotFound) {
			t.Fatalf("another team's macro: %v", err)
		}
		tk := apptest.Ticket(t, s, bob)
		if _, err := s.Macros.Apply(ctx, bob, tk.Number, mine.ID, 0, nil); !errors.Is(err, fault.ErrNotFound) {
			t.Fatalf("applying another agent's personal macro: %v", err)
		}
		names := func(a *user.Actor) []string {
			ms, err := s.Macros.Usable(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, m := range ms {
				out = append(out, m.Name)
			}
			return out
		}
		if got := names(alice); !slices.Equal(got, []string{"All", "Mine"}) {
			t.Errorf("alice uses %v", got)
		}
		if got := names(bob); !slices.Equal(got, []string{"All", "Net"}) {
			t.Errorf("bob uses %v", got)
		}
		if _, err := s.Macros.Update(ctx, bob, all.ID, macro.Input{Name: ptr("Mine now")}); !errors.Is(err, fault.ErrForbidden) {
			t.Fatalf("an agent changes a shared macro: %v", err)
		}
		if _, err := s.Macros.Create(ctx, bob, macro.Input{Name: ptr("Shared"), Body: ptr("x"), Visibility: ptr(macro.Everyone)}); !errors.Is(err, fault.ErrForbidden) {
			t.Fatalf("an agent shares a macro: %v", err)
		}
		if _, err := s.Macros.Update(ctx, admin, mine.ID, macro.Input{Name: ptr("Renamed by an admin")}); err != nil {
			t.Fatalf("an admin manages every macro: %v", err)
		}
		if err := s.Macros.Delete(ctx, alice, mine.ID); err != nil {
			t.Fatalf("an agent deletes their own: %v", err)
		}
		// Canned responses are the reply-only macros.
		cs, err := s.Canned.List(ctx, bob)
		if err != nil || len(cs) != 1 || cs[0].ID != all.ID || !cs[0].Shared() {
			t.Fatalf("bob's canned responses: %+v %v", cs, err)
		}
	})
}

package automation_test

import (
	"context"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestTriggerActsAsRule: a trigger on ticket.created routes a tagged
// ticket to a team and notes why, through the ticket service, and
// history names the trigger as the actor. Both databases.
func TestTriggerActsAsRule(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		mustTeam(t, s, admin, "Network")
		mustTrigger(t, s, admin, "Route VPN", []string{event.TicketCreated},
			automation.Conditions{All: []automation.Condition{{Field: "tag", Op: automation.OpIs, Value: "vpn"}}},
			automation.Actions{{Type: automation.ActSet, Field: "team", Value: "Network"},
				{Type: automation.ActSet, Field: "priority", Value: "p2"},
				{Type: automation.ActNote, Body: "Routed {{.Ticket.Reference}} to Network."}})
		tagged := apptest.Ticket(t, s, admin, func(n *ticket.NewTicket) { n.Tags = []string{"vpn"} })
		other := apptest.Ticket(t, s, admin)
		settle(t, s)

		got, err := s.Tickets.Get(ctx, admin, tagged.Number)
		if err != nil {
			t.Fatal(err)
		}
		if got.Team == nil || got.Team.Name != "Network" || got.Priority.String() != "p2" {
			t.Fatalf("tagged ticket: team %v priority %s, want Network p2", got.Team, got.Priority)
		}
		hist, err := s.Tickets.Events(ctx, admin, tagged.Number, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, h := range hist {
			if h.Field == "team" {
				found = true
				if h.Actor.Name != "Trigger “Route VPN”" || h.New != "Network" {
					t.Errorf("team change by %q to %q, want by Trigger “Route VPN” to Network", h.Actor.Name, h.New)
				}
			}
		}
		if !found {
			t.Fatalf("no team change in history: %+v", hist)
		}
		msgs, err := s.Tickets.Messages(ctx, admin, tagged.Number, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		last := msgs[len(msgs)-1]
		if !last.Internal || !strings.Contains(last.Body, "Routed "+tagged.Reference+" to Network.") {
			t.Errorf("last message %+v, want the trigger's internal note", last)
		}
		plain, _ := s.Tickets.Get(ctx, admin, other.Number)
		if plain.Team != nil {
			t.Errorf("untagged ticket got team %v", plain.Team)
		}
	})
}

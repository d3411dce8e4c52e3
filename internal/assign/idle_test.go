package assign_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/assign"
	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/config"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// The idle job (a durable job, as the runner runs it) marks away the
// available agents who made no request for --away-after, leaves someone
// who chose "off" alone, and their next request makes them available
// again.
func TestIdleAgentsGoAwayAndComeBack(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d, func(c *config.Config) { c.AwayAfter = 300 * time.Millisecond })
		idle := apptest.User(t, e.Services, user.RoleAgent, "")
		off := apptest.User(t, e.Services, user.RoleAgent, "")
		setAvailability(t, e.Services, off, assign.Unavailable)
		time.Sleep(400 * time.Millisecond)
		id, err := e.Jobs.InsertNow(ctx, job.New{Kind: assign.IdleJob})
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			j, err := e.Jobs.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if j.State == job.Completed {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the idle job is %s", j.State)
			}
			time.Sleep(20 * time.Millisecond)
		}
		av, err := e.Assign.Availability(ctx, idle, idle.ID)
		if err != nil {
			t.Fatal(err)
		}
		if av.Status != assign.Away || !av.Auto {
			t.Fatalf("idle agent is %s (auto %v), want away by the idle job", av.Status, av.Auto)
		}
		if av, _ := e.Assign.Availability(ctx, off, off.ID); av.Status != assign.Unavailable {
			t.Errorf("an agent who chose off is now %s", av.Status)
		}
		// A request with their token brings them back.
		if _, err := e.ClientFor(t, idle).Do(ctx, "GET", "/api/v1/users/me/availability", nil, nil); err != nil {
			t.Fatal(err)
		}
		if av, _ := e.Assign.Availability(ctx, idle, idle.ID); av.Status != assign.Available || av.Auto {
			t.Errorf("after a request the agent is %s (auto %v), want available", av.Status, av.Auto)
		}
	})
}

// "Assign by the team's strategy" assigns in the rule's transaction: the
// dry run shows the assignee it would set, and an applied rule that moves
// a ticket to a team assigns it there.
func TestTriggerAssignAction(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		k := newDesk(t, s, "Routing", 1, assign.RoundRobin, 0)
		name, events := "Route and assign", []string{event.TicketCreated}
		conds := automation.Conditions{All: []automation.Condition{{Field: "tag", Op: automation.OpIs, Value: "route"}}}
		acts := automation.Actions{{Type: automation.ActSet, Field: "team", Value: k.team.Name}, {Type: automation.ActAssign}}
		if _, err := s.Automation.Create(ctx, k.admin, automation.Input{Name: &name, Events: &events, Conditions: &conds, Actions: &acts}); err != nil {
			t.Fatal(err)
		}
		tk := apptest.Ticket(t, s, k.admin, func(in *ticket.NewTicket) { in.Tags = []string{"route"} })
		settle(t, s)
		if got := assignee(t, s, tk.Number); got != k.agents[0].Email {
			t.Fatalf("routed ticket assigned to %q", got)
		}
		// A disabled copy without conditions, tried on an untagged ticket.
		other := apptest.Ticket(t, s, k.admin)
		name, off, conds := "Dry run", false, automation.Conditions{}
		tr, err := s.Automation.Create(ctx, k.admin, automation.Input{Name: &name, Enabled: &off, Events: &events, Conditions: &conds, Actions: &acts})
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Automation.Test(ctx, k.admin, tr.ID, other.Number)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, c := range res.Changes {
			found = found || c.Field == "assignee" && c.New == k.agents[0].Email
		}
		if !found || res.Error != "" {
			t.Errorf("dry run: changes %+v, error %q; want the assignee set", res.Changes, res.Error)
		}
		if got := assignee(t, s, other.Number); got != "" {
			t.Errorf("the dry run assigned #%d to %q", other.Number, got)
		}
	})
}

// Every assignment writes ticket.assigned: automatic ones with the
// strategy and reason, an agent's own without.
func TestTicketAssignedEvent(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		k := newDesk(t, s, "Desk", 1, assign.RoundRobin, 0)
		auto := k.ticket(t)
		settle(t, s)
		manual := apptest.Ticket(t, s, k.admin)
		email := k.agents[0].Email
		if _, err := s.Tickets.Update(ctx, k.admin, manual.Number, ticket.Patch{Assignee: &email}, 0); err != nil {
			t.Fatal(err)
		}
		settle(t, s)
		recs, err := s.Events.Read(ctx, d.R, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]assign.AssignedPayload{}
		for _, r := range recs {
			if r.Kind == event.TicketAssigned {
				var p assign.AssignedPayload
				if err := json.Unmarshal(r.Payload, &p); err != nil {
					t.Fatal(err)
				}
				got[p.Number] = p
			}
		}
		if p := got[auto.Number]; !p.Automatic || p.Strategy != assign.RoundRobin || p.Assignee != email || p.Reason == "" || p.TeamID != k.team.ID {
			t.Errorf("automatic: %+v", p)
		}
		if p := got[manual.Number]; p.Automatic || p.Assignee != email || p.AssigneeID != k.agents[0].ID {
			t.Errorf("manual: %+v", p)
		}
	})
}

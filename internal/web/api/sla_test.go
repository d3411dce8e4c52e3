package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/client"
)

func roundTheClockCal(t *testing.T, f *fixture) *client.Calendar {
	t.Helper()
	var ivs []client.Interval
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		ivs = append(ivs, client.Interval{Day: d, Start: "00:00", End: "24:00"})
	}
	c, err := f.admin.CreateCalendar(t.Context(), client.CalendarInput{Name: client.Ptr("24x7"), TimeZone: client.Ptr("UTC"), Intervals: &ivs})
	check(t, err)
	return c
}

func TestSLAPolicies(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		cal := roundTheClockCal(t, f)
		goals := []client.SLAGoals{{Priority: "p1", FirstResponse: client.Ptr(30), Resolution: client.Ptr(240)},
			{Priority: "p3", FirstResponse: client.Ptr(120), NextResponse: client.Ptr(240), Resolution: client.Ptr(960)}}
		gold, err := f.admin.CreateSLAPolicy(ctx, client.SLAPolicyInput{Name: client.Ptr("Gold"), CalendarID: &cal.ID,
			Conditions: &[]client.SLACondition{{Field: "type", Op: "is", Value: "incident"}}, Targets: &goals})
		check(t, err)
		if gold.Position != 1 || !gold.Enabled || gold.WarnPercent != 80 || gold.Calendar != "24x7" || len(gold.Targets) != 2 ||
			gold.Targets[0].Priority != "p1" || *gold.Targets[0].FirstResponse != 30 || gold.Targets[0].NextResponse != nil {
			t.Fatalf("created %+v", gold)
		}
		std, err := f.admin.CreateSLAPolicy(ctx, client.SLAPolicyInput{Name: client.Ptr("Standard"), CalendarID: &cal.ID, Targets: &goals})
		check(t, err)
		if std.Position != 2 {
			t.Fatalf("second policy at %d", std.Position)
		}
		// Reordering by position renumbers the others.
		std, err = f.admin.UpdateSLAPolicy(ctx, std.ID, client.SLAPolicyInput{Position: client.Ptr(1)})
		check(t, err)
		p, err := f.agentC.ListSLAPolicies(ctx, client.ListOptions{Limit: 1})
		check(t, err)
		if std.Position != 1 || len(p.Items) != 1 || p.Items[0].Name != "Standard" || p.NextCursor == nil {
			t.Fatalf("after reorder %+v, first page %+v", std, p)
		}
		p, err = f.agentC.ListSLAPolicies(ctx, client.ListOptions{Limit: 1, Cursor: *p.NextCursor})
		check(t, err)
		if len(p.Items) != 1 || p.Items[0].Name != "Gold" || p.Items[0].Position != 2 {
			t.Fatalf("second page %+v", p)
		}
		_, err = f.admin.UpdateSLAPolicy(ctx, std.ID, client.SLAPolicyInput{Position: client.Ptr(2)})
		check(t, err)

		// Only admins write; requesters learn nothing.
		_, err = f.agentC.CreateSLAPolicy(ctx, client.SLAPolicyInput{Name: client.Ptr("Mine"), CalendarID: &cal.ID, Targets: &goals})
		wantStatus(t, err, http.StatusForbidden)
		_, err = f.reqC.GetSLAPolicy(ctx, gold.ID)
		wantStatus(t, err, http.StatusNotFound)

		// Every bad value is a field error, and nothing is saved.
		bad := []struct {
			field string
			in    client.SLAPolicyInput
		}{
			{"name", client.SLAPolicyInput{Name: client.Ptr("gold"), CalendarID: &cal.ID, Targets: &goals}},
			{"calendar_id", client.SLAPolicyInput{Name: client.Ptr("X"), CalendarID: client.Ptr(int64(9999)), Targets: &goals}},
			{"targets", client.SLAPolicyInput{Name: client.Ptr("X"), CalendarID: &cal.ID}},
			{"targets", client.SLAPolicyInput{Name: client.Ptr("X"), CalendarID: &cal.ID, Targets: &[]client.SLAGoals{{Priority: "p1"}}}},
			{"targets[0].first_response", client.SLAPolicyInput{Name: client.Ptr("X"), CalendarID: &cal.ID,
				Targets: &[]client.SLAGoals{{Priority: "p1", FirstResponse: client.Ptr(0), Resolution: client.Ptr(10)}}}},
			{"targets[0].resolution", client.SLAPolicyInput{Name: client.Ptr("X"), CalendarID: &cal.ID,
				Targets: &[]client.SLAGoals{{Priority: "p1", Resolution: client.Ptr(-5)}}}},
			{"targets[1].priority", client.SLAPolicyInput{Name: client.Ptr("X"), CalendarID: &cal.ID,
				Targets: &[]client.SLAGoals{{Priority: "p1", Resolution: client.Ptr(5)}, {Priority: "p1", Resolution: client.Ptr(6)}}}},
			{"conditions[0].field", client.SLAPolicyInput{Name: client.Ptr("X"), CalendarID: &cal.ID, Targets: &goals,
				Conditions: &[]client.SLACondition{{Field: "colour", Op: "is", Value: "red"}}}},
			{"conditions[0].op", client.SLAPolicyInput{Name: client.Ptr("X"), CalendarID: &cal.ID, Targets: &goals,
				Conditions: &[]client.SLACondition{{Field: "priority", Op: "above", Value: "p2"}}}},
			{"conditions[0].value", client.SLAPolicyInput{Name: client.Ptr("X"), CalendarID: &cal.ID, Targets: &goals,
				Conditions: &[]client.SLACondition{{Field: "team", Op: "is", Value: "Nobody"}}}},
			{"conditions[0].field", client.SLAPolicyInput{Name: client.Ptr("X"), CalendarID: &cal.ID, Targets: &goals,
				Conditions: &[]client.SLACondition{{Field: "custom_fields.missing", Op: "is", Value: "x"}}}},
			{"escalation.team", client.SLAPolicyInput{Name: client.Ptr("X"), CalendarID: &cal.ID, Targets: &goals,
				Escalation: &client.SLAEscalation{Team: client.Ptr("Nobody")}}},
			{"warn_percent", client.SLAPolicyInput{Name: client.Ptr("X"), CalendarID: &cal.ID, Targets: &goals, WarnPercent: client.Ptr(100)}},
		}
		for _, b := range bad {
			_, err := f.admin.CreateSLAPolicy(ctx, b.in)
			wantField(t, err, b.field)
		}
		if all, _ := f.admin.ListSLAPolicies(ctx, client.ListOptions{}); len(all.Items) != 2 {
			t.Fatalf("%d policies after refused ones, want 2", len(all.Items))
		}

		// A ticket carries its clocks in `sla`.
		tk := f.ticket(t, client.NewTicket{Subject: "Printer on fire", Body: "Help", Priority: "p1"})
		if tk.SLA.Policy == nil || *tk.SLA.Policy != "Gold" || tk.SLA.FirstResponseDueAt == nil ||
			tk.SLA.FirstResponseDueAt.Sub(tk.CreatedAt).Round(time.Minute) != 30*time.Minute || tk.SLA.ResolutionDueAt == nil ||
			tk.SLA.Breached || len(tk.SLA.Targets) != 2 || tk.SLA.Targets[0].Target != "first_response" ||
			tk.SLA.Targets[0].State != "running" || tk.SLA.Targets[0].RemainingMinutes == nil || *tk.SLA.Targets[0].RemainingMinutes > 30 {
			t.Fatalf("ticket sla %+v", tk.SLA)
		}
		list, err := f.agentC.ListTickets(ctx, client.TicketFilter{})
		check(t, err)
		if len(list.Items) != 1 || list.Items[0].SLA.Policy == nil || len(list.Items[0].SLA.Targets) != 2 {
			t.Fatalf("listed sla %+v", list.Items)
		}

		// A policy in use cannot be deleted; the answer counts the tickets.
		err = f.admin.DeleteSLAPolicy(ctx, gold.ID)
		e := wantStatus(t, err, http.StatusConflict)
		if !strings.Contains(e.Detail, "1 ticket") {
			t.Fatalf("conflict says %q", e.Detail)
		}
		check(t, f.admin.DeleteSLAPolicy(ctx, std.ID))
		// And a calendar a policy uses cannot be deleted either.
		err = f.admin.DeleteCalendar(ctx, cal.ID)
		if e := wantStatus(t, err, http.StatusConflict); !strings.Contains(e.Detail, "1 SLA policy") {
			t.Fatalf("calendar conflict says %q", e.Detail)
		}
	})
}

func TestTeamLeads(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		team, err := f.admin.CreateTeam(ctx, client.NewTeam{Name: "Desk", Members: []string{f.agent.Email}})
		check(t, err)
		if len(team.Leads) != 0 {
			t.Fatalf("new team's leads %v", team.Leads)
		}
		team, err = f.admin.SetTeamLead(ctx, team.ID, f.agent.Email, true)
		check(t, err)
		if len(team.Leads) != 1 || team.Leads[0] != f.agent.Email {
			t.Fatalf("leads %v", team.Leads)
		}
		_, err = f.agentC.SetTeamLead(ctx, team.ID, f.agent.Email, false)
		wantStatus(t, err, http.StatusForbidden)
		team, err = f.admin.SetTeamLead(ctx, team.ID, f.agent.Email, false)
		check(t, err)
		if len(team.Leads) != 0 || len(team.Members) != 1 {
			t.Fatalf("after unsetting: %+v", team)
		}
	})
}

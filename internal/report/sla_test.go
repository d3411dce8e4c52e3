package report_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/report"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

var ctx = context.Background()

// TestSLAReport counts hand-built clocks: a clock counts in the period of
// its outcome (met when it stopped unbreached, breached when its breach
// fell), once; running clocks and outcomes outside the period do not count;
// restricted teams' tickets count only for those who may see them.
func TestSLAReport(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		agent := apptest.User(t, s, user.RoleAgent, "")
		gold, silver := apptest.SLAPolicy(t, s, "Gold"), apptest.SLAPolicy(t, s, "Silver")
		from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		to := from.AddDate(0, 1, 0)
		in := func(days int) *time.Time { return apptest.At(from.AddDate(0, 0, days)) }
		team, err := s.Users.CreateTeam(ctx, apptest.Setup, user.TeamInput{Name: ptr("Secret Ops"), Restricted: ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		mk := func(p string, teamName string, clocks ...apptest.Clock) {
			tk := apptest.Ticket(t, s, admin, func(n *ticket.NewTicket) { n.Priority = p; n.Team = teamName })
			for _, c := range clocks {
				c.Goal, c.Started = 60, from.AddDate(0, 0, -1)
				apptest.SLAClock(t, s, tk.ID, c)
			}
		}
		// Gold, p1: first response met twice, breached once; resolution met.
		mk("p1", "", apptest.Clock{Target: "first_response", PolicyID: gold, Stopped: in(2)},
			apptest.Clock{Target: "resolution", PolicyID: gold, Stopped: in(10)})
		mk("p1", "", apptest.Clock{Target: "first_response", PolicyID: gold, Stopped: in(3)})
		mk("p2", "", apptest.Clock{Target: "first_response", PolicyID: gold, Breached: in(4), Stopped: in(5)},
			apptest.Clock{Target: "resolution", PolicyID: gold, Warn: in(40), Due: in(41)}) // still running: not measured
		// Silver, p3: breached in the period and still running; met after
		// the period; breached before it and stopped in it (counted then).
		mk("p3", "", apptest.Clock{Target: "resolution", PolicyID: silver, Breached: in(20)})
		mk("p3", "", apptest.Clock{Target: "resolution", PolicyID: silver, Stopped: in(31)})
		mk("p3", "", apptest.Clock{Target: "next_response", PolicyID: silver, Breached: in(-3), Stopped: in(1)})
		// No policy (deleted), on the restricted team: met.
		mk("p4", team.Name, apptest.Clock{Target: "next_response", Stopped: in(0)})

		r, err := s.Reports.SLA(ctx, admin, report.SLAQuery{From: from, To: to, GroupBy: "policy"})
		if err != nil {
			t.Fatal(err)
		}
		got := summary(r)
		want := "Gold first_response 3/2/1 66.7; Gold resolution 1/1/0 100.0; Silver resolution 1/0/1 0.0; " +
			"No policy next_response 1/1/0 100.0; Total first_response 3/2/1 66.7; Total next_response 1/1/0 100.0; Total resolution 2/1/1 50.0"
		if got != want {
			t.Errorf("by policy:\n got %s\nwant %s", got, want)
		}
		if r, err = s.Reports.SLA(ctx, admin, report.SLAQuery{From: from, To: to, GroupBy: "priority"}); err != nil {
			t.Fatal(err)
		}
		if got := summary(r); !strings.HasPrefix(got, "P1 – Critical first_response 2/2/0 100.0; P1 – Critical resolution 1/1/0 100.0; P2") {
			t.Errorf("by priority: %s", got)
		}
		r, _ = s.Reports.SLA(ctx, admin, report.SLAQuery{From: from, To: to, GroupBy: "team"})
		if got := summary(r); !strings.HasPrefix(got, "Secret Ops next_response 1/1/0 100.0; No team first_response 3/2/1") {
			t.Errorf("by team: %s", got)
		}
		// The agent is not on the restricted team: its ticket does not count.
		r, _ = s.Reports.SLA(ctx, agent, report.SLAQuery{From: from, To: to, GroupBy: "team"})
		if got := summary(r); strings.Contains(got, "Secret Ops") || strings.Contains(got, "next_response") {
			t.Errorf("an agent sees a restricted team's clocks: %s", got)
		}
		requester := apptest.User(t, s, user.RoleRequester, "")
		if _, err := s.Reports.SLA(ctx, requester, report.SLAQuery{From: from, To: to}); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("a requester reads the report: %v", err)
		}
		// An empty period measures nothing: no compliance, not 0 %.
		r, _ = s.Reports.SLA(ctx, admin, report.SLAQuery{From: to.AddDate(1, 0, 0), To: to.AddDate(2, 0, 0)})
		if len(r.Groups) != 0 || r.Total.Targets["resolution"].Compliance != nil {
			t.Errorf("empty period: %s", summary(r))
		}
	})
}

func summary(r *report.SLAReport) string {
	var parts []string
	for _, g := range append(r.Groups, r.Total) {
		for _, tg := range report.Targets {
			m := g.Targets[tg]
			if m.Measured == 0 {
				continue
			}
			c := "-"
			if m.Compliance != nil {
				c = fmtFloat(*m.Compliance)
			}
			parts = append(parts, g.Name+" "+tg+" "+itoa(m.Measured)+"/"+itoa(m.Met)+"/"+itoa(m.Breached)+" "+c)
		}
	}
	return strings.Join(parts, "; ")
}

func TestSLAQueryErrors(t *testing.T) {
	for _, c := range []struct{ from, to, group, field, msg string }{
		{"2026-13-01", "2026-04-01", "", "from", "must be a date such as 2026-03-01"},
		{"2026-03-01", "tomorrow", "", "to", "must be a date"},
		{"2026-04-01", "2026-03-01", "", "to", "must be after from"},
		{"2026-03-01", "2026-03-01", "", "to", "must be after from"},
		{"", "2026-03-01", "", "from", "is required"},
		{"2026-03-01", "2026-04-01", "agent", "group_by", "must be policy, team or priority"},
	} {
		_, err := report.ParseSLAQuery(c.from, c.to, c.group)
		var inv *fault.Invalid
		if !errors.As(err, &inv) || !strings.Contains(inv.Error(), c.field) || !hasField(inv, c.field, c.msg) {
			t.Errorf("ParseSLAQuery(%q, %q, %q) = %v, want %s: %s", c.from, c.to, c.group, err, c.field, c.msg)
		}
	}
	q, err := report.ParseSLAQuery("2026-03-01T08:00:00+01:00", "2026-04-01", "")
	if err != nil || q.GroupBy != "policy" || !q.From.Equal(time.Date(2026, 3, 1, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("ParseSLAQuery = %+v, %v", q, err)
	}
}

func hasField(inv *fault.Invalid, field, msg string) bool {
	for _, f := range inv.Fields {
		if f.Field == field && strings.Contains(f.Message, msg) {
			return true
		}
	}
	return false
}

// TestSLAReportCSV: one line per group and target, totals last, and a name
// a spreadsheet would run as a formula defused.
func TestSLAReportCSV(t *testing.T) {
	c := 50.0
	g := &report.SLAGroup{Key: "3", Name: "=HYPERLINK(\"x\")", Targets: map[string]*report.Measure{
		"first_response": {Measured: 2, Met: 1, Breached: 1, Compliance: &c}, "next_response": {}, "resolution": {}}}
	total := &report.SLAGroup{Key: "total", Name: "Total", Targets: g.Targets}
	r := &report.SLAReport{SLAQuery: report.SLAQuery{GroupBy: "policy"}, Groups: []*report.SLAGroup{g}, Total: total}
	var b strings.Builder
	if err := r.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	want := "policy,key,target,measured,met,breached,compliance_percent\n" +
		"\"'=HYPERLINK(\"\"x\"\")\",3,first_response,2,1,1,50.0\n" +
		"\"'=HYPERLINK(\"\"x\"\")\",3,next_response,0,0,0,\n" +
		"\"'=HYPERLINK(\"\"x\"\")\",3,resolution,0,0,0,\n" +
		"Total,total,first_response,2,1,1,50.0\nTotal,total,next_response,0,0,0,\nTotal,total,resolution,0,0,0,\n"
	if b.String() != want {
		t.Errorf("CSV:\n%s\nwant\n%s", b.String(), want)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

func ptr[T any](v T) *T { return &v }

package agent_test

import (
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// TestSLAReportPage: Admin → Reports → SLA shows the period's compliance
// per group and target with a CSV download; agents (team leads) open it
// with the reports alone; a bad period is a field error.
func TestSLAReportPage(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	b, admin := signIn(t, e, user.RoleAdmin)
	gold := apptest.SLAPolicy(t, e.Services, "Gold <b>")
	day := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 4; i++ {
		tk := apptest.Ticket(t, e.Services, admin)
		c := apptest.Clock{Target: "resolution", PolicyID: gold, Goal: 60, Started: day, Stopped: apptest.At(day.Add(time.Hour))}
		if i == 0 {
			c.Breached = apptest.At(day.Add(time.Minute))
		}
		apptest.SLAClock(t, e.Services, tk.ID, c)
	}
	code, body, _ := b.get("/admin/reports/sla?from=2026-03-01&until=2026-03-31&group_by=policy")
	if code != 200 {
		t.Fatalf("report page: %d", code)
	}
	for _, want := range []string{`aria-current="page">Reports</a>`, `<th scope="row">Gold &lt;b&gt;</th>`,
		`<td class="num">4</td><td class="num">3</td><td class="num">1</td><td class="num compliance">75.0 %</td>`,
		`href="/admin/reports/sla.csv?from=2026-03-01&amp;group_by=policy&amp;until=2026-03-31"`} {
		if !strings.Contains(body, want) {
			t.Errorf("report page lacks %s", want)
		}
	}
	code, body, h := b.get("/admin/reports/sla.csv?from=2026-03-01&until=2026-03-31&group_by=policy")
	if code != 200 || h.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(body, "Gold <b>,") || !strings.Contains(body, ",resolution,4,3,1,75.0\n") {
		t.Errorf("CSV download: %d %s", code, body)
	}
	// The until day is included: a clock stopped on it counts.
	_, body, _ = b.get("/admin/reports/sla?from=2026-03-10&until=2026-03-10&group_by=team")
	if !strings.Contains(body, `<th scope="row">No team</th>`) {
		t.Error("the until day is not included")
	}
	code, body, _ = b.get("/admin/reports/sla?from=2026-03-31&until=2026-03-01&group_by=policy")
	if code != 422 || !strings.Contains(body, "Must not be before the first day.") || !strings.Contains(body, `id="r-until"`) {
		t.Errorf("until before from: %d", code)
	}
	code, body, _ = b.get("/admin/reports/sla?from=soon&until=2026-03-01&group_by=agent")
	if code != 422 || !strings.Contains(body, "Enter a date such as 2026-03-31.") {
		t.Errorf("bad date: %d", code)
	}
	// Default: the last 30 days.
	if code, body, _ = b.get("/admin/reports/sla"); code != 200 || !strings.Contains(body, `value="`+time.Now().UTC().Format(time.DateOnly)+`"`) {
		t.Errorf("default period: %d", code)
	}
	// An agent reads it too, without the rest of the administration.
	ab, _ := signIn(t, e, user.RoleAgent)
	code, body, _ = ab.get("/admin/reports/sla?from=2026-03-01&until=2026-03-31")
	if code != 200 || !strings.Contains(body, "Gold &lt;b&gt;") || strings.Contains(body, `href="/admin/users"`) {
		t.Errorf("agent: %d", code)
	}
	if code, _, _ := ab.get("/admin/users"); code != 403 {
		t.Errorf("agent opens admin users: %d", code)
	}
}

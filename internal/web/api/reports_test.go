package api_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/user"
)

// TestSLAReportAPI: GET /api/v1/reports/sla answers the report as JSON or
// CSV to agents and admins, 404 to requesters, and a 422 naming each field
// at fault.
func TestSLAReportAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		admin := apptest.User(t, f.Services, user.RoleAdmin, "")
		gold := apptest.SLAPolicy(t, f.Services, "Gold")
		from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		for i, breached := range []bool{false, false, true} {
			tk := apptest.Ticket(t, f.Services, admin)
			c := apptest.Clock{Target: "first_response", PolicyID: gold, Goal: 60, Started: from, Stopped: apptest.At(from.AddDate(0, 0, i+1))}
			if breached {
				c.Breached = apptest.At(from.AddDate(0, 0, i))
			}
			apptest.SLAClock(t, f.Services, tk.ID, c)
		}
		agentToken := apptest.Token(t, f.Services, f.agent)
		r := raw(t, f.URL, agentToken, "GET", "/api/v1/reports/sla?from=2026-03-01&to=2026-04-01&group_by=policy", "", nil)
		if r.status != 200 {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		var rep struct {
			From, To time.Time
			GroupBy  string `json:"group_by"`
			Groups   []struct {
				Key, Name string
				Targets   map[string]struct {
					Measured, Met, Breached int
					Compliance              *float64
				}
			}
		}
		if err := json.Unmarshal(r.body, &rep); err != nil {
			t.Fatal(err)
		}
		if len(rep.Groups) != 1 || rep.Groups[0].Name != "Gold" || !rep.To.Equal(from.AddDate(0, 1, 0)) || rep.GroupBy != "policy" {
			t.Fatalf("report: %s", r.body)
		}
		fr := rep.Groups[0].Targets["first_response"]
		if fr.Measured != 3 || fr.Met != 2 || fr.Breached != 1 || fr.Compliance == nil || *fr.Compliance != 66.7 ||
			rep.Groups[0].Targets["resolution"].Compliance != nil {
			t.Errorf("first response: %s", r.body)
		}
		r = raw(t, f.URL, agentToken, "GET", "/api/v1/reports/sla?from=2026-03-01&to=2026-04-01&format=csv", "", nil)
		if r.status != 200 || r.header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			r.header.Get("Content-Disposition") != `attachment; filename=sla-policy-20260301-20260401.csv` ||
			!strings.Contains(string(r.body), "Gold,"+itoa(gold)+",first_response,3,2,1,66.7\n") ||
			!strings.HasPrefix(string(r.body), "policy,key,target,measured,met,breached,compliance_percent\n") {
			t.Errorf("CSV: %d %v %s", r.status, r.header, r.body)
		}
		r = raw(t, f.URL, apptest.Token(t, f.Services, f.requester), "GET", "/api/v1/reports/sla?from=2026-03-01&to=2026-04-01", "", nil)
		if r.status != 404 {
			t.Errorf("requester: %d", r.status)
		}
		r = raw(t, f.URL, agentToken, "GET", "/api/v1/reports/sla?from=2026-04-01&to=2026-03-01&group_by=agent&format=xml", "", nil)
		fields := map[string]bool{}
		for _, e := range r.problem.Errors {
			fields[e.Field] = true
		}
		if r.status != 422 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") ||
			!fields["to"] || !fields["group_by"] || !fields["format"] {
			t.Errorf("bad parameters: %d %s", r.status, r.body)
		}
		r = raw(t, f.URL, agentToken, "GET", "/api/v1/reports/sla?from=March&to=2026-03-01", "", nil)
		if r.status != 422 || len(r.problem.Errors) != 1 || r.problem.Errors[0].Field != "from" {
			t.Errorf("bad date: %d %s", r.status, r.body)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

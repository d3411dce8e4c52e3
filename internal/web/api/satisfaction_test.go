package api_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/satisfaction"
	"github.com/docket/docket/internal/user"
)

type csatRow struct {
	Key, Name                            string
	Ratings, Positive, Neutral, Negative int
	CSAT                                 *float64
}

// TestSatisfactionReportAPI: GET /api/v1/reports/satisfaction counts the
// ratings of the period per agent, team, week and month, as JSON or CSV;
// requesters get a 404, bad parameters a 422 naming each field.
func TestSatisfactionReportAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		admin := apptest.User(t, f.Services, user.RoleAdmin, "")
		bob := apptest.User(t, f.Services, user.RoleAgent, "")
		name, members := "Desk", []string{f.agent.Email}
		team, err := f.Users.CreateTeam(ctx, admin, user.TeamInput{Name: &name, Members: &members})
		if err != nil {
			t.Fatal(err)
		}
		day := func(d int) time.Time { return time.Date(2026, 3, d, 12, 0, 0, 0, time.UTC) }
		apptest.RatedTicket(t, f.Services, admin, f.agent.Email, "Desk", "good", day(2)) // Monday of week 10
		apptest.RatedTicket(t, f.Services, admin, f.agent.Email, "Desk", "bad", day(3))
		apptest.RatedTicket(t, f.Services, admin, bob.Email, "", "good", day(10))
		apptest.RatedTicket(t, f.Services, admin, bob.Email, "", "good", time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)) // after the period
		if _, err := f.Satisfaction.SetSettings(ctx, admin, satisfaction.Settings{Enabled: true, Scale: satisfaction.Five}); err != nil {
			t.Fatal(err)
		}
		apptest.RatedTicket(t, f.Services, admin, "", "", "3", day(31))

		token := apptest.Token(t, f.Services, f.agent)
		get := func(groupBy string) (rows []csatRow, total csatRow) {
			t.Helper()
			r := raw(t, f.URL, token, "GET", "/api/v1/reports/satisfaction?from=2026-03-01&to=2026-04-01&group_by="+groupBy, "", nil)
			var rep struct {
				GroupBy string `json:"group_by"`
				Groups  []csatRow
				Total   csatRow
			}
			if err := json.Unmarshal(r.body, &rep); r.status != 200 || err != nil || rep.GroupBy != groupBy {
				t.Fatalf("report by %s: %d %s", groupBy, r.status, r.body)
			}
			return rep.Groups, rep.Total
		}
		pct := func(p *float64) float64 {
			if p == nil {
				return -1
			}
			return *p
		}
		rows, total := get("agent")
		if total.Ratings != 4 || total.Positive != 2 || total.Neutral != 1 || total.Negative != 1 || pct(total.CSAT) != 50 {
			t.Errorf("total: %+v", total)
		}
		byKey := map[string]csatRow{}
		for _, r := range rows {
			byKey[r.Key] = r
		}
		if a := byKey[itoa(f.agent.ID)]; a.Ratings != 2 || a.Positive != 1 || a.Negative != 1 || pct(a.CSAT) != 50 {
			t.Errorf("agent: %+v", rows)
		}
		if b := byKey[itoa(bob.ID)]; b.Ratings != 1 || pct(b.CSAT) != 100 {
			t.Errorf("bob: %+v", rows)
		}
		if n := byKey["none"]; n.Name != "Unassigned" || n.Neutral != 1 || pct(n.CSAT) != 0 || rows[len(rows)-1].Key != "none" {
			t.Errorf("unassigned: %+v", rows)
		}
		rows, _ = get("team")
		if len(rows) != 2 || rows[0].Key != itoa(team.ID) || rows[0].Ratings != 2 || rows[1].Key != "none" || rows[1].Ratings != 2 {
			t.Errorf("by team: %+v", rows)
		}
		rows, _ = get("week")
		if len(rows) != 6 || rows[0].Key != "2026-02-23" || rows[1].Name != "2026-W10" || rows[1].Ratings != 2 ||
			rows[2].Ratings != 1 || rows[3].Ratings != 0 || rows[3].CSAT != nil || rows[5].Ratings != 1 {
			t.Errorf("by week: %+v", rows)
		}
		rows, _ = get("month")
		if len(rows) != 1 || rows[0].Name != "2026-03" || rows[0].Ratings != 4 {
			t.Errorf("by month: %+v", rows)
		}
		r := raw(t, f.URL, token, "GET", "/api/v1/reports/satisfaction?from=2026-03-01&to=2026-04-01&format=csv", "", nil)
		if r.status != 200 || r.header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			r.header.Get("Content-Disposition") != `attachment; filename=satisfaction-agent-20260301-20260401.csv` ||
			!strings.HasPrefix(string(r.body), "agent,key,ratings,positive,neutral,negative,csat_percent\n") ||
			!strings.Contains(string(r.body), ","+itoa(f.agent.ID)+",2,1,0,1,50.0\n") ||
			!strings.HasSuffix(string(r.body), "Total,total,4,2,1,1,50.0\n") {
			t.Errorf("CSV: %d %v %s", r.status, r.header, r.body)
		}
		r = raw(t, f.URL, apptest.Token(t, f.Services, f.requester), "GET", "/api/v1/reports/satisfaction?from=2026-03-01&to=2026-04-01", "", nil)
		if r.status != 404 {
			t.Errorf("requester: %d", r.status)
		}
		r = raw(t, f.URL, token, "GET", "/api/v1/reports/satisfaction?from=2026-04-01&to=2026-03-01&group_by=policy&format=xml", "", nil)
		fields := map[string]bool{}
		for _, e := range r.problem.Errors {
			fields[e.Field] = true
		}
		if r.status != 422 || !fields["to"] || !fields["group_by"] || !fields["format"] {
			t.Errorf("bad parameters: %d %s", r.status, r.body)
		}
		r = raw(t, f.URL, token, "GET", "/api/v1/reports/satisfaction?from=2000-01-01&to=2026-01-01&group_by=day", "", nil)
		if r.status != 422 || len(r.problem.Errors) != 1 || r.problem.Errors[0].Field != "group_by" {
			t.Errorf("too many days: %d %s", r.status, r.body)
		}
	})
}

// Ticket JSON carries the rating as satisfaction, null without one, in a
// ticket and in lists.
func TestTicketJSONSatisfaction(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		at := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
		rated := apptest.RatedTicket(t, f.Services, f.agent, f.agent.Email, "", "bad", at)
		plain := apptest.Ticket(t, f.Services, f.agent)
		token := apptest.Token(t, f.Services, f.agent)
		var one struct {
			Satisfaction *struct {
				Scale, Score, Label, Sentiment, Comment string
				RatedAt                                 time.Time `json:"rated_at"`
				ChangeableUntil                         time.Time `json:"changeable_until"`
			}
		}
		r := raw(t, f.URL, token, "GET", "/api/v1/tickets/"+itoa(rated.Number), "", nil)
		if err := json.Unmarshal(r.body, &one); err != nil || one.Satisfaction == nil || one.Satisfaction.Score != "bad" ||
			one.Satisfaction.Scale != "good_bad" || one.Satisfaction.Sentiment != "negative" || !one.Satisfaction.RatedAt.Equal(at) ||
			!one.Satisfaction.ChangeableUntil.Equal(at.Add(7*24*time.Hour)) {
			t.Fatalf("rated ticket: %d %s", r.status, r.body)
		}
		r = raw(t, f.URL, token, "GET", "/api/v1/tickets/"+itoa(plain.Number), "", nil)
		if !strings.Contains(string(r.body), `"satisfaction":null`) {
			t.Fatalf("unrated ticket: %s", r.body)
		}
		var list struct {
			Items []struct {
				Number       int64
				Satisfaction *struct{ Score string }
			}
		}
		r = raw(t, f.URL, token, "GET", "/api/v1/tickets?limit=100", "", nil)
		if err := json.Unmarshal(r.body, &list); err != nil {
			t.Fatal(err)
		}
		for _, it := range list.Items {
			if (it.Number == rated.Number) != (it.Satisfaction != nil && it.Satisfaction.Score == "bad") {
				t.Errorf("list: ticket %d: %+v", it.Number, it.Satisfaction)
			}
		}
	})
}

package agent_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/satisfaction"
	"github.com/docket/docket/internal/user"
)

// The ticket page shows the requester's rating (its comment escaped) and
// the history says who rated; the agent's profile shows their CSAT.
func TestTicketPageShowsSatisfaction(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := apptest.Server(t, d)
		b, agent := signIn(t, e, user.RoleAgent)
		tk := apptest.RatedTicket(t, e.Services, agent, agent.Email, "", "good", time.Now())
		plain := apptest.Ticket(t, e.Services, agent)
		req, err := e.Users.Actor(ctx, tk.Requester.ID)
		if err != nil {
			t.Fatal(err)
		}
		comment := "Thanks <script>alert(1)</script>"
		if _, err := e.Satisfaction.Rate(ctx, req, tk.ID, satisfaction.Input{Score: "bad", Comment: &comment}); err != nil {
			t.Fatal(err)
		}
		code, body, _ := b.get("/tickets/" + itoa(tk.Number))
		if code != 200 {
			t.Fatalf("ticket page: %d", code)
		}
		for _, want := range []string{`id="satisfaction"`, `csat-negative`, `id="satisfaction-score">Bad, I&#39;m unsatisfied</p>`,
			`Thanks &lt;script&gt;alert(1)&lt;/script&gt;`, "rated the help", "changed the rating from"} {
			if !strings.Contains(body, want) {
				t.Errorf("ticket page lacks %s", want)
			}
		}
		if strings.Contains(body, "<script>alert(1)") {
			t.Error("the comment is not escaped")
		}
		if _, body, _ := b.get("/tickets/" + itoa(plain.Number)); strings.Contains(body, `id="satisfaction"`) {
			t.Error("an unrated ticket shows a rating")
		}
		_, body, _ = b.get("/profile")
		if !strings.Contains(body, `id="csat"`) || !strings.Contains(body, `<strong class="csat-percent">0.0 %</strong>`) ||
			!strings.Contains(body, "<strong>1</strong> negative") {
			t.Errorf("profile CSAT: %s", body[strings.Index(body, "<main"):])
		}
	})
}

// Admin → Reports → Satisfaction shows CSAT per agent with a CSV download;
// Admin → Satisfaction turns ratings on or off and picks the scale (agents
// are refused; a bad scale is a field error; changes are audited).
func TestSatisfactionAdminPages(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	b, admin := signIn(t, e, user.RoleAdmin)
	day := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	apptest.RatedTicket(t, e.Services, admin, admin.Email, "", "good", day)
	apptest.RatedTicket(t, e.Services, admin, admin.Email, "", "good", day)
	apptest.RatedTicket(t, e.Services, admin, admin.Email, "", "bad", day)
	code, body, _ := b.get("/admin/reports/satisfaction?from=2026-03-01&until=2026-03-31&group_by=agent")
	if code != 200 {
		t.Fatalf("report page: %d", code)
	}
	for _, want := range []string{`aria-current="page">Satisfaction</a>`, `<tr data-key="` + itoa(admin.ID) + `">`,
		`<td class="num">3</td><td class="num">2</td><td class="num">0</td><td class="num">1</td><td class="num compliance">66.7 %</td>`,
		`href="/admin/reports/satisfaction.csv?from=2026-03-01&amp;group_by=agent&amp;until=2026-03-31"`} {
		if !strings.Contains(body, want) {
			t.Errorf("report page lacks %s", want)
		}
	}
	code, body, h := b.get("/admin/reports/satisfaction.csv?from=2026-03-01&until=2026-03-31&group_by=week")
	if code != 200 || h.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(body, "2026-W11,2026-03-09,3,2,0,1,66.7\n") {
		t.Errorf("CSV download: %d %s", code, body)
	}
	if code, body, _ := b.get("/admin/reports/satisfaction?from=2026-03-31&until=2026-03-01"); code != 422 || !strings.Contains(body, "Must not be before the first day.") {
		t.Errorf("until before from: %d", code)
	}

	code, body, _ = b.get("/admin/satisfaction")
	if code != 200 || !strings.Contains(body, `id="s-enabled" checked`) || !strings.Contains(body, `id="s-good_bad" checked`) {
		t.Fatalf("settings page: %d", code)
	}
	if code, body, _ := b.post("/admin/satisfaction", url.Values{"_csrf": {b.csrf}, "enabled": {"1"}, "scale": {"ten"}}); code != 422 || !strings.Contains(body, `id="err-scale"`) {
		t.Fatalf("bad scale: %d", code)
	}
	if code, _, h := b.post("/admin/satisfaction", url.Values{"_csrf": {b.csrf}, "scale": {"five"}}); code != 303 || h.Get("Location") != "/admin/satisfaction" {
		t.Fatalf("save: %d", code)
	}
	if s, err := e.Satisfaction.Settings(context.Background()); err != nil || s.Enabled || s.Scale != satisfaction.Five {
		t.Fatalf("settings: %+v %v", s, err)
	}
	if code, body, _ := b.get("/admin/audit"); code != 200 || !strings.Contains(body, "Settings satisfaction updated") {
		t.Errorf("audit log: %d", code)
	}
	agent, _ := signIn(t, e, user.RoleAgent)
	if code, _, _ := agent.get("/admin/satisfaction"); code == 200 {
		t.Error("an agent opened the satisfaction settings")
	}
	if code, _, _ := agent.get("/admin/reports/satisfaction"); code != 200 {
		t.Errorf("an agent's report: %d", code)
	}
}

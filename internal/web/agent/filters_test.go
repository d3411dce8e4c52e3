package agent_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

func TestFilterPanelComposesAQuery(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		name := "Service Desk"
		if _, err := e.Users.CreateTeam(context.Background(), e.Admin, user.TeamInput{Name: &name}); err != nil {
			t.Fatal(err)
		}
		b, agent := signIn(t, e, user.RoleAgent)
		apptest.Ticket(t, e.Services, agent, func(n *ticket.NewTicket) { n.Subject = "Desk chair"; n.Team = "Service Desk"; n.Priority = "p1" })
		apptest.Ticket(t, e.Services, agent, func(n *ticket.NewTicket) { n.Subject = "Other thing"; n.Priority = "p1" })
		today := time.Now().UTC().Format(time.DateOnly)
		v := url.Values{"filter": {"1"}, "f_status": {"new", "open"}, "f_priority": {"p1"}, "f_team": {"Service Desk"},
			"f_created_from": {today}, "f_text": {"chair"}}
		code, _, h := b.get("/tickets?" + v.Encode())
		want := `status:new,open priority:p1 team:"Service Desk" created:>=` + today + ` chair`
		loc, _ := url.Parse(h.Get("Location"))
		if code != 303 || loc.Query().Get("q") != want {
			t.Fatalf("filter panel: %d, q = %q, want %q", code, loc.Query().Get("q"), want)
		}
		_, body, _ := b.get(h.Get("Location"))
		if !strings.Contains(body, "Desk chair") || strings.Contains(body, "Other thing") {
			t.Fatal("composed query does not filter")
		}
		// A date range in the query language, and a bad one.
		if _, body, _ := b.get("/tickets?q=" + url.QueryEscape("created:<2000-01-01")); strings.Contains(body, "Desk chair") {
			t.Fatal("created:<2000-01-01 lists today's ticket")
		}
		if _, body, _ := b.get("/tickets?q=" + url.QueryEscape("updated:>yesterday")); !strings.Contains(body, `id="query-error"`) {
			t.Fatal("a bad date range is not reported")
		}
	})
}

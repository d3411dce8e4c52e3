package agent_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/config"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/view"
)

var rowRe = regexp.MustCompile(`data-number="(\d+)"`)

// rows lists the ticket numbers a queue page shows.
func rows(body string) []string {
	var out []string
	for _, m := range rowRe.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}

// TestQueueRefusesAnInvalidQuery: a query the API refuses is refused on
// the queue too, next to the search box, instead of listing everything.
func TestQueueRefusesAnInvalidQuery(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	b, agent := signIn(t, e, user.RoleAgent)
	apptest.Ticket(t, e.Services, agent, func(n *ticket.NewTicket) { n.Subject = "Listed only when the query is good" })
	for _, q := range []string{"priority:p9", "status:sleeping", "type:bug", "created:>yesterday"} {
		code, body, _ := b.get("/tickets?q=" + url.QueryEscape(q))
		if code != 200 || !strings.Contains(body, `id="query-error"`) || len(rows(body)) != 0 {
			t.Errorf("%s: %d, error shown %v, rows %v", q, code, strings.Contains(body, `id="query-error"`), rows(body))
		}
		if !strings.Contains(body, `aria-invalid="true" aria-describedby="query-error"`) {
			t.Errorf("%s: the search box is not tied to its error", q)
		}
		if _, err := e.Client.ListTickets(context.Background(), client.TicketFilter{Q: q}); err == nil {
			t.Errorf("%s: the API accepts what the queue refuses", q)
		}
	}
	_, body, _ := b.get("/tickets?q=" + url.QueryEscape("priority:p9"))
	if !strings.Contains(body, `priority: &#34;p9&#34; is not a priority`) {
		t.Errorf("the error does not say what is wrong:\n%s", body)
	}
	// A saved view is checked by the same translation.
	code, body, _ := b.post("/views", url.Values{"_csrf": {b.csrf}, "name": {"Broken"}, "query": {"priority:p9"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="err-query"`) || !strings.Contains(body, "is not a priority") {
		t.Errorf("saving a view of priority:p9 is not refused with the error: %d", code)
	}
	if vs, _ := e.Views.List(context.Background(), agent); len(vs) != 0 {
		t.Errorf("a view of priority:p9 was saved: %+v", vs[0])
	}
}

// TestQueueAndAPIAgree: the queue and the API list the same tickets for
// the same query.
func TestQueueAndAPIAgree(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		b, agent := signIn(t, e, user.RoleAgent)
		api := e.ClientFor(t, agent)
		apptest.Ticket(t, e.Services, agent, func(n *ticket.NewTicket) { n.Priority = "p1"; n.Tags = []string{"vpn"}; n.Subject = "VPN disconnects" })
		apptest.Ticket(t, e.Services, agent, func(n *ticket.NewTicket) { n.Priority = "p3"; n.Type = "request"; n.Assignee = agent.Email })
		apptest.Ticket(t, e.Services, agent, func(n *ticket.NewTicket) { n.Priority = "p2"; n.Tags = []string{"vpn", "hw"} })
		for _, q := range []string{"priority:p1", "priority:critical,p2", "type:request", "tag:vpn", "tag:vpn tag:hw",
			"assignee:none", "assignee:me status:new", "disconnect", "type:incident priority:p1 disconnected", "created:>-1d"} {
			_, body, _ := b.get("/tickets?q=" + url.QueryEscape(q))
			p, err := api.ListTickets(context.Background(), client.TicketFilter{Q: q})
			if err != nil {
				t.Fatalf("%s: API: %v", q, err)
			}
			var listed []string
			for _, tk := range p.Items {
				listed = append(listed, itoa(tk.Number))
			}
			slices.Sort(listed)
			if got := rows(body); !slices.Equal(got, listed) || len(listed) == 0 {
				t.Errorf("%s: queue lists %v, API %v", q, got, listed)
			}
		}
	})
}

// TestSearchBoxOpensATicket: a ticket's number, with # or a configured
// prefix, opens it when the agent may see it; anything else searches.
func TestSearchBoxOpensATicket(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite), func(c *config.Config) {
		c.TicketPrefixes = map[string]string{"incident": "INC-", "request": "REQ-"}
	})
	name, yes := "HR", true
	if _, err := e.Users.CreateTeam(context.Background(), e.Admin, user.TeamInput{Name: &name, Restricted: &yes}); err != nil {
		t.Fatal(err)
	}
	b, agent := signIn(t, e, user.RoleAgent)
	tk := apptest.Ticket(t, e.Services, agent, func(n *ticket.NewTicket) { n.Subject = "Error 500 on the portal" })
	hidden := apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Team = "HR" })
	n := itoa(tk.Number)
	for _, q := range []string{n, "#" + n, "INC-" + n, "inc-" + n, " " + n + " "} {
		code, _, h := b.get("/tickets?q=" + url.QueryEscape(q))
		if code != 303 || h.Get("Location") != "/tickets/"+n {
			t.Errorf("%q: %d %s, want the ticket", q, code, h.Get("Location"))
		}
	}
	for _, q := range []string{"REQ-" + n, "ERR-" + n, itoa(hidden.Number), "#" + itoa(hidden.Number), "99999", n + " portal"} {
		if code, _, h := b.get("/tickets?q=" + url.QueryEscape(q)); code != 200 {
			t.Errorf("%q: %d %s, want a search", q, code, h.Get("Location"))
		}
	}
	// Within a view, the query narrows the view.
	if code, _, _ := b.get("/tickets?view=open&q=" + n); code != 200 {
		t.Errorf("a number within a view: %d", code)
	}
}

// TestFilterPanelShowsTheQuery: the panel opens on the current query, and
// applying it again keeps the whole query; on a saved view it shows the
// view's query.
func TestFilterPanelShowsTheQuery(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	name := "Service Desk"
	if _, err := e.Users.CreateTeam(context.Background(), e.Admin, user.TeamInput{Name: &name}); err != nil {
		t.Fatal(err)
	}
	b, me := signIn(t, e, user.RoleAgent)
	q := `status:open,pending priority:P1 team:"service desk" assignee:me tag:vpn created:2026-01-01..2026-01-31 updated:>-7d requester:a@example.test,b@example.test "vpn timeout" print*`
	_, body, _ := b.get("/tickets?q=" + url.QueryEscape(q))
	for _, want := range []string{
		`name="f_status" value="open" checked`, `name="f_status" value="pending" checked`, `name="f_priority" value="p1" checked`,
		`<option selected>Service Desk</option>`, `<option value="me" selected>Me</option>`, `name="f_tag" value="vpn"`,
		`name="f_created_from" type="date" value="2026-01-01"`, `name="f_created_to" type="date" value="2026-01-31"`,
		`name="f_text" value="updated:&gt;-7d requester:a@example.test,b@example.test &#34;vpn timeout&#34; print*"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the filter panel lacks %s", want)
		}
	}
	if strings.Contains(body, `value="new" checked`) {
		t.Error("a status not in the query is ticked")
	}
	// Applying the panel as shown gives the same query back.
	v := url.Values{"filter": {"1"}, "f_status": {"open", "pending"}, "f_priority": {"p1"}, "f_team": {"Service Desk"},
		"f_assignee": {"me"}, "f_tag": {"vpn"}, "f_created_from": {"2026-01-01"}, "f_created_to": {"2026-01-31"},
		"f_text": {`updated:>-7d requester:a@example.test,b@example.test "vpn timeout" print*`}}
	_, _, h := b.get("/tickets?" + v.Encode())
	loc, _ := url.Parse(h.Get("Location"))
	_, again, _ := b.get(h.Get("Location"))
	if !strings.Contains(again, `name="f_text" value="updated:&gt;-7d requester:a@example.test,b@example.test &#34;vpn timeout&#34; print*"`) ||
		strings.Contains(again, `id="query-error"`) {
		t.Errorf("applying the panel changed the query to %q", loc.Query().Get("q"))
	}
	// A saved view's query shows in the panel too.
	v2, err := e.Views.Create(context.Background(), me, view.Input{Name: "Urgent VPN", Query: "priority:p1,p2 tag:vpn"})
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ = b.get("/tickets?view=v" + itoa(v2.ID))
	for _, want := range []string{`name="f_priority" value="p1" checked`, `name="f_priority" value="p2" checked`, `name="f_tag" value="vpn"`} {
		if !strings.Contains(body, want) {
			t.Errorf("on the saved view the filter panel lacks %s", want)
		}
	}
}

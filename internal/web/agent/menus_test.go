package agent_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// selectOptions lists the values of the options of the select with id, and
// the value of the selected one.
func selectOptions(t *testing.T, body, id string) (values []string, selected string) {
	t.Helper()
	values, _, selected = selectMenu(t, body, id)
	return values, selected
}

// selectMenu lists the values and the labels (their text, as a browser
// shows it) of the options of the select with id, and the selected value.
func selectMenu(t *testing.T, body, id string) (values, labels []string, selected string) {
	t.Helper()
	doc := parseHTML(t, body)
	attr := htmlAttr
	found := false
	var walk func(n *html.Node, in bool)
	walk = func(n *html.Node, in bool) {
		if n.Type == html.ElementNode {
			if v, _ := attr(n, "id"); n.Data == "select" && v == id {
				in, found = true, true
			}
			if in && n.Data == "option" {
				label := ""
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					label += c.Data // text only: markup in a label would be an element here
				}
				v, ok := attr(n, "value")
				if !ok {
					v = label
				}
				values, labels = append(values, v), append(labels, label)
				if _, sel := attr(n, "selected"); sel {
					selected = v
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, in)
		}
	}
	walk(doc, false)
	if !found {
		t.Fatalf("no select #%s on the page", id)
	}
	return values, labels, selected
}

// TestMenusOfferActiveAgentsThenAdmins: the assignee menus of the queue,
// ticket and new-ticket pages list the active agents, then the active
// admins, each in the order they were added, names escaped, with the
// current choice selected; requesters and deactivated agents are not
// offered. The team and category menus select the ticket's own.
func TestMenusOfferActiveAgentsThenAdmins(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	b, me := signIn(t, e, user.RoleAgent)
	eve := apptest.User(t, e.Services, user.RoleAgent, "eve@example.test")
	name := `Eve <b>& "co"</b>`
	if _, err := e.Users.Update(ctx, e.Admin, eve.ID, user.Patch{Name: &name}); err != nil {
		t.Fatal(err)
	}
	boss := apptest.User(t, e.Services, user.RoleAdmin, "boss@example.test")
	gone := apptest.User(t, e.Services, user.RoleAgent, "gone@example.test")
	off := false
	if _, err := e.Users.Update(ctx, e.Admin, gone.ID, user.Patch{Active: &off}); err != nil {
		t.Fatal(err)
	}
	late := apptest.User(t, e.Services, user.RoleAgent, "late@example.test")
	apptest.User(t, e.Services, user.RoleRequester, "sam@example.test")
	team := "Net & Ops"
	if _, err := e.Users.CreateTeam(ctx, e.Admin, user.TeamInput{Name: &team}); err != nil {
		t.Fatal(err)
	}
	cat := "Printers & <scanners>"
	if _, err := e.Tickets.CreateCategory(ctx, e.Admin, ticket.CategoryInput{Name: &cat}); err != nil {
		t.Fatal(err)
	}
	tk := apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Assignee = eve.Email; n.Team = team; n.Category = cat })

	// Agents in the order they were added, then admins (the setup's admin
	// first); nobody else.
	var agents, admins []string
	for _, a := range []*user.Actor{me, eve, late} {
		agents = append(agents, a.Email)
	}
	for _, a := range []*user.Actor{e.Admin, boss} {
		admins = append(admins, a.Email)
	}
	want := append(agents, admins...)
	offered := func(values []string) []string {
		return slices.DeleteFunc(slices.Clone(values), func(v string) bool { return !strings.Contains(v, "@") })
	}
	// Eve's name reads as written: escaped once, not markup, not escaped
	// twice.
	namedAsWritten := func(page, id string, body string) {
		t.Helper()
		values, labels, _ := selectMenu(t, body, id)
		if i := slices.Index(values, eve.Email); i < 0 || labels[i] != name {
			t.Errorf("%s: Eve's option reads %q, want %q", page, labels[max(i, 0)], name)
		}
	}

	code, body, _ := b.get("/tickets/" + itoa(tk.Number))
	if code != http.StatusOK {
		t.Fatalf("ticket page: %d", code)
	}
	values, sel := selectOptions(t, body, "f-assignee")
	if got := offered(values); !slices.Equal(got, want) {
		t.Errorf("the panel offers %v, want %v", got, want)
	}
	if sel != eve.Email {
		t.Errorf("the panel's assignee is %q, want %q", sel, eve.Email)
	}
	if strings.Contains(body, name) {
		t.Error("the agent's name is not escaped in the menus")
	}
	namedAsWritten("the panel", "f-assignee", body)
	if _, sel := selectOptions(t, body, "f-team"); sel != team {
		t.Errorf("the panel's team is %q, want %q", sel, team)
	}
	if _, sel := selectOptions(t, body, "f-category"); sel != cat {
		t.Errorf("the panel's category is %q, want %q", sel, cat)
	}

	code, body, _ = b.get("/tickets?view=open&q=" + "assignee:eve@example.test")
	if code != http.StatusOK {
		t.Fatalf("queue: %d", code)
	}
	values, sel = selectOptions(t, body, "f_assignee")
	if got := offered(values); !slices.Equal(got, want) {
		t.Errorf("the queue's filter offers %v, want %v", got, want)
	}
	if sel != eve.Email {
		t.Errorf("the queue's filter selects %q, want %q", sel, eve.Email)
	}
	namedAsWritten("the queue's filter", "f_assignee", body)
	if _, sel := selectOptions(t, body, "f_team"); sel != "" {
		t.Errorf("the queue's team filter selects %q, want none", sel)
	}

	code, body, _ = b.get("/tickets/new")
	if code != http.StatusOK {
		t.Fatalf("new ticket: %d", code)
	}
	values, _ = selectOptions(t, body, "n-assignee")
	if got := offered(values); !slices.Equal(got, want) {
		t.Errorf("the new ticket's menu offers %v, want %v", got, want)
	}
	namedAsWritten("the new ticket", "n-assignee", body)
	// Refused for its missing subject, the form comes back with the
	// agent's choices selected.
	code, body, _ = b.post("/tickets/new", url.Values{"_csrf": {b.csrf}, "requester": {"sam@example.test"}, "body": {"It jams."},
		"type": {"incident"}, "priority": {"p3"}, "assignee": {eve.Email}, "team": {team}, "category": {cat}})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("a new ticket without a subject: %d", code)
	}
	for id, want := range map[string]string{"n-assignee": eve.Email, "n-team": team, "n-category": cat} {
		if _, sel := selectOptions(t, body, id); sel != want {
			t.Errorf("the refused new ticket's %s selects %q, want %q", id, sel, want)
		}
	}
}

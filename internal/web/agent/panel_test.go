package agent_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// parseHTML parses a page.
func parseHTML(t *testing.T, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// htmlAttr is the value of n's attribute k, and whether it has one.
func htmlAttr(n *html.Node, k string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == k {
			return a.Val, true
		}
	}
	return "", false
}

// pageForm reads the form with id from a page as a browser without
// JavaScript submits it untouched: its inputs (ticked boxes and radios
// only), the selected options and textareas, and the inputs outside it
// that name it (form="id").
func pageForm(t *testing.T, body, id string) url.Values {
	t.Helper()
	doc := parseHTML(t, body)
	attr := htmlAttr
	text := func(n *html.Node) string {
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.TextNode {
				b.WriteString(c.Data)
			}
		}
		return b.String()
	}
	out := url.Values{}
	found := false
	var walk func(n *html.Node, inForm bool)
	walk = func(n *html.Node, inForm bool) {
		if n.Type == html.ElementNode {
			if v, _ := attr(n, "id"); n.Data == "form" && v == id {
				inForm, found = true, true
			}
			owner, hasOwner := attr(n, "form")
			name, named := attr(n, "name")
			_, disabled := attr(n, "disabled")
			if named && !disabled && (hasOwner && owner == id || !hasOwner && inForm) {
				switch n.Data {
				case "input":
					typ, _ := attr(n, "type")
					v, _ := attr(n, "value")
					_, checked := attr(n, "checked")
					switch {
					case typ == "submit" || typ == "button" || typ == "file":
					case typ == "checkbox" || typ == "radio":
						if checked {
							out.Add(name, v)
						}
					default:
						out.Add(name, v)
					}
				case "textarea":
					out.Add(name, text(n))
				case "select":
					var first, chosen *html.Node
					for o := n.FirstChild; o != nil; o = o.NextSibling {
						if o.Type != html.ElementNode || o.Data != "option" {
							continue
						}
						if first == nil {
							first = o
						}
						if _, ok := attr(o, "selected"); ok {
							chosen = o
						}
					}
					if chosen == nil {
						chosen = first
					}
					if chosen != nil {
						v, ok := attr(chosen, "value")
						if !ok {
							v = text(chosen)
						}
						out.Add(name, v)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inForm)
		}
	}
	walk(doc, false)
	if !found {
		t.Fatalf("the page has no form #%s", id)
	}
	return out
}

// panelEnv is a server, an agent signed in through a browser, and two
// colleagues who change tickets through the service.
type panelEnv struct {
	*apptest.Env
	b          *browser
	me         *user.Actor
	bob, carol *user.Actor
}

func newPanelEnv(t *testing.T, d *db.DB) *panelEnv {
	t.Helper()
	e := apptest.Server(t, d)
	b, me := signIn(t, e, user.RoleAgent)
	return &panelEnv{Env: e, b: b, me: me, bob: newAgent(t, e, "bob@example.test", "Bob Baker"),
		carol: newAgent(t, e, "carol@example.test", "Carol Cho")}
}

// newAgent creates an agent who can sign in with e2ePassword.
func newAgent(t *testing.T, e *apptest.Env, email, name string) *user.Actor {
	t.Helper()
	u, err := e.Users.Create(context.Background(), apptest.Setup, user.NewUser{Email: email, Name: name, Role: user.RoleAgent, Password: e2ePassword})
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.Users.Actor(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// open loads the ticket page and returns its property form as it stands.
func (p *panelEnv) open(t *testing.T, n int64) url.Values {
	t.Helper()
	code, body, _ := p.b.get("/tickets/" + itoa(n))
	if code != http.StatusOK {
		t.Fatalf("ticket page: %d", code)
	}
	return pageForm(t, body, "props")
}

func (p *panelEnv) get(t *testing.T, n int64) *ticket.Ticket {
	t.Helper()
	tk, err := p.Tickets.Get(context.Background(), p.Admin, n)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// changesBy lists the history fields an actor changed on a ticket.
func (p *panelEnv) changesBy(t *testing.T, n int64, a *user.Actor) []string {
	t.Helper()
	evs, err := p.Tickets.Events(context.Background(), p.Admin, n, 0, 200)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		if strings.EqualFold(e.Actor.Email, a.Email) && e.Field != "created" {
			out = append(out, e.Field)
		}
	}
	return out
}

// TestPanelSavesOnlyWhatChanged: a save from the property panel applies
// only the fields the agent changed on the page, whatever else the form
// posts.
func TestPanelSavesOnlyWhatChanged(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		p := newPanelEnv(t, d)
		ctx := context.Background()

		t.Run("a_colleagues_assignment_stays", func(t *testing.T) {
			tk := apptest.Ticket(t, p.Services, p.Admin)
			form := p.open(t, tk.Number)
			// Bob assigns the ticket to Carol while the page is open.
			carol := p.carol.Email
			if _, err := p.Tickets.Update(ctx, p.bob, tk.Number, ticket.Patch{Assignee: &carol}, 0); err != nil {
				t.Fatal(err)
			}
			form.Set("priority", "p1")
			code, _, h := p.b.post("/tickets/"+itoa(tk.Number)+"/update", form)
			if code != http.StatusSeeOther || h.Get("Location") != "/tickets/"+itoa(tk.Number) {
				t.Fatalf("save after a colleague's change to another field: %d %s", code, h.Get("Location"))
			}
			got := p.get(t, tk.Number)
			if got.Assignee == nil || got.Assignee.Email != carol {
				t.Errorf("the save undid Bob's assignment: assignee %+v", got.Assignee)
			}
			if got.Priority != ticket.P1 {
				t.Errorf("priority %s, want p1", got.Priority)
			}
			if ch := p.changesBy(t, tk.Number, p.me); strings.Join(ch, ",") != "priority" {
				t.Errorf("the save changed %v, want only priority", ch)
			}
		})

		t.Run("a_deactivated_assignee_stays", func(t *testing.T) {
			dave, err := p.Users.Create(ctx, apptest.Setup, user.NewUser{Email: "dave@example.test", Name: "Dave Doe", Role: user.RoleAgent})
			if err != nil {
				t.Fatal(err)
			}
			tk := apptest.Ticket(t, p.Services, p.Admin, func(n *ticket.NewTicket) { n.Assignee = dave.Email })
			no := false
			if _, err := p.Users.Update(ctx, p.Admin, dave.ID, user.Patch{Active: &no}); err != nil {
				t.Fatal(err)
			}
			form := p.open(t, tk.Number)
			if form.Get("assignee") != dave.Email {
				t.Errorf("the panel shows assignee %q, want the deactivated %s", form.Get("assignee"), dave.Email)
			}
			form.Set("priority", "p2")
			if code, body, _ := p.b.post("/tickets/"+itoa(tk.Number)+"/update", form); code != http.StatusSeeOther {
				t.Fatalf("save: %d %s", code, body)
			}
			got := p.get(t, tk.Number)
			if got.Assignee == nil || got.Assignee.Email != dave.Email {
				t.Errorf("saving unassigned a deactivated agent's ticket: assignee %+v", got.Assignee)
			}
			if ch := p.changesBy(t, tk.Number, p.me); strings.Join(ch, ",") != "priority" {
				t.Errorf("the save changed %v, want only priority", ch)
			}
		})

		t.Run("an_unset_checkbox_stays_unset", func(t *testing.T) {
			key, label, typ := "vip", "VIP", ticket.FieldCheckbox
			if _, err := p.Tickets.CreateFieldDef(ctx, p.Admin, ticket.FieldDefInput{Key: &key, Label: &label, Type: &typ}); err != nil {
				t.Fatal(err)
			}
			tk := apptest.Ticket(t, p.Services, p.Admin)
			form := p.open(t, tk.Number)
			if _, ok := form["cf_present.vip"]; !ok {
				t.Fatal("the panel lacks the checkbox field")
			}
			form.Set("priority", "p4")
			if code, body, _ := p.b.post("/tickets/"+itoa(tk.Number)+"/update", form); code != http.StatusSeeOther {
				t.Fatalf("save: %d %s", code, body)
			}
			got := p.get(t, tk.Number)
			if v, ok := got.CustomFields["vip"]; ok {
				t.Errorf("an untouched, unset checkbox was written: vip = %v", v)
			}
			if ch := p.changesBy(t, tk.Number, p.me); strings.Join(ch, ",") != "priority" {
				t.Errorf("the save changed %v, want only priority (no phantom checkbox change)", ch)
			}
			// Ticking it is a change.
			form = p.open(t, tk.Number)
			form.Set("cf.vip", "1")
			if code, _, _ := p.b.post("/tickets/"+itoa(tk.Number)+"/update", form); code != http.StatusSeeOther {
				t.Fatalf("tick: %d", code)
			}
			if got := p.get(t, tk.Number); got.CustomFields["vip"] != true {
				t.Errorf("after ticking, vip = %v", got.CustomFields["vip"])
			}
		})

		t.Run("nothing_changed", func(t *testing.T) {
			tk := apptest.Ticket(t, p.Services, p.Admin)
			form := p.open(t, tk.Number)
			if code, _, _ := p.b.post("/tickets/"+itoa(tk.Number)+"/update", form); code != http.StatusSeeOther {
				t.Fatalf("save of an untouched form: %d", code)
			}
			if got := p.get(t, tk.Number); got.Version != tk.Version {
				t.Errorf("an untouched form changed the ticket: version %d → %d", tk.Version, got.Version)
			}
		})

		t.Run("field_errors_keep_the_edit", func(t *testing.T) {
			tk := apptest.Ticket(t, p.Services, p.Admin)
			form := p.open(t, tk.Number)
			form.Set("solution", "Restarted the <b>spooler</b>")
			code, body, _ := p.b.post("/tickets/"+itoa(tk.Number)+"/update", form)
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Can only be set when the status is resolved or closed.") {
				t.Fatalf("solution on an open ticket: %d", code)
			}
			again := pageForm(t, body, "props")
			if again.Get("solution") != "Restarted the <b>spooler</b>" || again.Get("orig.solution") != "" {
				t.Errorf("the re-shown panel lost the edit: solution %q from %q", again.Get("solution"), again.Get("orig.solution"))
			}
			if strings.Contains(body, "<b>spooler") {
				t.Error("the re-shown solution is not escaped")
			}
		})
	})
}

// TestPanelCollision: when the agent and a colleague changed the same
// field, nothing is saved; the page shows the field with both values, keeps
// the agent's edits, and applying their choice never re-applies a field
// they did not touch.
func TestPanelCollision(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		p := newPanelEnv(t, d)
		ctx := context.Background()
		for _, keep := range []string{"mine", "theirs"} {
			t.Run(keep, func(t *testing.T) {
				tk := apptest.Ticket(t, p.Services, p.Admin, func(n *ticket.NewTicket) { n.Priority = "p3" })
				path := "/tickets/" + itoa(tk.Number)
				form := p.open(t, tk.Number)
				// Bob raises the priority and takes the ticket.
				prio, bob := "p2", p.bob.Email
				if _, err := p.Tickets.Update(ctx, p.bob, tk.Number, ticket.Patch{Priority: &prio, Assignee: &bob}, 0); err != nil {
					t.Fatal(err)
				}
				form.Set("priority", "p1")
				form.Set("tags", "printer, urgent")
				code, body, _ := p.b.post(path+"/update", form)
				if code != http.StatusConflict {
					t.Fatalf("colliding save: %d", code)
				}
				got := p.get(t, tk.Number)
				if got.Priority != ticket.P2 || len(got.Tags) != 0 {
					t.Fatalf("a colliding save was applied: priority %s tags %v", got.Priority, got.Tags)
				}
				for _, want := range []string{`id="clashes"`, `<tr data-field="priority">`, "<td data-label=\"Now\">p2 · high</td>",
					"<td data-label=\"Yours\">p1 · critical</td>", "Bob Baker"} {
					if !strings.Contains(body, want) {
						t.Errorf("the conflict page lacks %s", want)
					}
				}
				if strings.Contains(body, `data-field="assignee"`) || strings.Contains(body, `data-field="tags"`) {
					t.Error("the conflict page lists fields that did not collide")
				}
				again := pageForm(t, body, "props")
				if again.Get("priority") != "p1" || again.Get("tags") != "printer, urgent" || again.Get("assignee") != bob {
					t.Errorf("the re-shown panel: priority %q tags %q assignee %q; want the agent's edits and Bob's assignee",
						again.Get("priority"), again.Get("tags"), again.Get("assignee"))
				}
				if again.Get("keep.priority") != "mine" {
					t.Errorf("keep.priority = %q, want mine by default", again.Get("keep.priority"))
				}
				again.Set("keep.priority", keep)
				// While the agent chooses, Carol takes the ticket: applying
				// their choice must not put back the assignee the page showed.
				carol := p.carol.Email
				if _, err := p.Tickets.Update(ctx, p.carol, tk.Number, ticket.Patch{Assignee: &carol}, 0); err != nil {
					t.Fatal(err)
				}
				if code, _, _ := p.b.post(path+"/update", again); code != http.StatusSeeOther {
					t.Fatalf("apply the choice: %d", code)
				}
				got = p.get(t, tk.Number)
				want := map[string]ticket.Priority{"mine": ticket.P1, "theirs": ticket.P2}[keep]
				if got.Priority != want || strings.Join(got.Tags, ",") != "printer,urgent" {
					t.Errorf("after keeping %s: priority %s tags %v", keep, got.Priority, got.Tags)
				}
				if got.Assignee == nil || got.Assignee.Email != carol {
					t.Errorf("applying re-applied the assignee the agent never touched: %+v", got.Assignee)
				}
				if ch := p.changesBy(t, tk.Number, p.me); strings.Join(ch, ",") != map[string]string{"mine": "priority,tags", "theirs": "tags"}[keep] {
					t.Errorf("the agent's saves changed %v", ch)
				}
			})
		}
	})
}

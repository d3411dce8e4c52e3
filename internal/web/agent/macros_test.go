package agent_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/macro"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestCannedResponsesAreMacros: canned responses live on Admin → Macros
// (their old page sends there) as macros with only a reply; the composer's
// macros menu fills them in for a ticket, escaped, also without
// JavaScript; another agent's personal one is not theirs to use; deleting
// asks first.
func TestCannedResponsesAreMacros(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	b, agent := signIn(t, e, user.RoleAgent)
	if code, _, h := b.get("/canned"); code != 301 || h.Get("Location") != "/admin/macros" {
		t.Fatalf("/canned: %d %s", code, h.Get("Location"))
	}
	if code, body, _ := b.get("/admin/macros"); code != 200 || !strings.Contains(body, "No macros yet.") || strings.Contains(body, `href="/admin/users"`) {
		t.Fatalf("an agent's macros page: %d", code)
	}
	if code, body, _ := admSubmit(b, "/admin/macros/new", "name", "", "body", "x"); code != 422 || !strings.Contains(body, "Is required.") {
		t.Fatalf("invalid macro: %d", code)
	}
	if code, body, _ := admSubmit(b, "/admin/macros/new", "name", "Nothing"); code != 422 || !strings.Contains(body, "A macro needs a reply text") {
		t.Fatalf("an empty macro: %d", code)
	}
	if code, _, _ := admSubmit(b, "/admin/macros/new", "name", "Greeting", "visibility", "personal",
		"body", "Hi {{requester.name}}, about {{ticket.number}}: <b>ok</b>"); code != 303 {
		t.Fatalf("create: %d", code)
	}
	list, err := e.Canned.List(context.Background(), agent)
	if err != nil || len(list) != 1 {
		t.Fatalf("canned list: %v %v", list, err)
	}
	id := itoa(list[0].ID)
	tk := apptest.Ticket(t, e.Services, agent, func(n *ticket.NewTicket) { n.Requester = &ticket.Contact{Email: "bob@example.test", Name: "Bob"} })
	_, body, _ := b.get("/macros/" + id + "/fill?ticket=" + itoa(tk.Number))
	var j struct{ Body string }
	if err := json.Unmarshal([]byte(body), &j); err != nil || j.Body != "Hi Bob, about #"+itoa(tk.Number)+": <b>ok</b>" {
		t.Fatalf("filled = %q (%v)", body, err)
	}
	// The no-script menu fills the draft, escaped, and stages the macro.
	_, page, _ := b.get("/tickets/" + itoa(tk.Number) + "?macro=" + id)
	if !strings.Contains(page, "Hi Bob, about #"+itoa(tk.Number)+": &lt;b&gt;ok&lt;/b&gt;</textarea>") ||
		!strings.Contains(page, `id="macro-id" value="`+id+`"`) {
		t.Fatal("the menu did not fill the draft and stage the macro")
	}
	// Someone else's personal macro is not theirs to use, not even an
	// admin's (who manages it).
	other, _ := signIn(t, e, user.RoleAdmin)
	if code, _, _ := other.get("/macros/" + id + "/fill?ticket=" + itoa(tk.Number)); code != 404 {
		t.Fatalf("another agent uses a personal macro: %d", code)
	}
	if _, page, _ := other.get("/tickets/" + itoa(tk.Number)); strings.Contains(page, ">Greeting</option>") {
		t.Fatal("another agent's personal macro is in the menu")
	}
	// Deleting asks first: without the box ticked nothing goes.
	if code, _, _ := admSubmit(b, "/admin/macros/"+id+"/delete"); code != 422 {
		t.Fatalf("delete unconfirmed: %d", code)
	}
	if list, _ := e.Canned.List(context.Background(), agent); len(list) != 1 {
		t.Fatal("an unconfirmed delete deleted")
	}
	if code, _, _ := admSubmit(b, "/admin/macros/"+id+"/delete", "confirm", "1"); code != 303 {
		t.Fatalf("delete: %d", code)
	}
	if list, _ := e.Canned.List(context.Background(), agent); len(list) != 0 {
		t.Fatal("the macro is still there")
	}
}

// TestAdminMacroForm: an admin builds a macro with actions on the form;
// each invalid part is refused next to its field, and nothing is saved.
func TestAdminMacroForm(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	b, admin := signIn(t, e, user.RoleAdmin)
	code, body, _ := admSubmit(b, "/admin/macros/new", "name", "Escalate", "visibility", "team", "team", "",
		"act.type", "set", "act.field", "requester", "act.value", "x@example.test", "act.tags", "",
		"act.type", "add_tags", "act.field", "", "act.value", "", "act.tags", "")
	for _, want := range []string{"Is required for a team macro", "A rule cannot change requester", "Name at least one tag"} {
		if !strings.Contains(body, want) {
			t.Errorf("refused form (%d) lacks %q", code, want)
		}
	}
	if ms, _ := e.Macros.List(context.Background(), admin, 0, 10); len(ms) != 0 {
		t.Fatalf("a refused macro was saved: %v", ms)
	}
	code, body, _ = admSubmit(b, "/admin/macros/new", "name", "Escalate", "visibility", "everyone",
		"act.type", "set", "act.field", "priority", "act.value", "p1", "act.tags", "",
		"act.type", "add_tags", "act.field", "", "act.value", "", "act.tags", "escalated, vip")
	if code != 303 {
		t.Fatalf("create: %d %s", code, body)
	}
	ms, _ := e.Macros.List(context.Background(), admin, 0, 10)
	if len(ms) != 1 || len(ms[0].Actions) != 2 || ms[0].Visibility != macro.Everyone {
		t.Fatalf("saved %+v", ms)
	}
	if _, page, _ := b.get("/admin/macros"); !strings.Contains(page, "Set priority to p1") || !strings.Contains(page, "Every agent") {
		t.Fatal("the list does not say what the macro does")
	}
}

// TestApplyMacroOnSend: a staged macro applies with the reply, in one
// transaction: the ticket's fields change, the reply is sent and the
// ticket page's history names the macro; when an action fails neither
// the reply nor any change happens, and the page says why.
func TestApplyMacroOnSend(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	b, agent := signIn(t, e, user.RoleAgent)
	admin := apptest.User(t, e.Services, user.RoleAdmin, "")
	m, err := e.Macros.Create(ctx, admin, macro.Input{Name: ptrTo("Password reset"), Body: ptrTo("Here is your link."),
		Actions: &automation.Actions{{Type: automation.ActSet, Field: "status", Value: "pending"},
			{Type: automation.ActAddTags, Tags: []string{"password"}}}})
	if err != nil {
		t.Fatal(err)
	}
	tk := apptest.Ticket(t, e.Services, agent)
	n := itoa(tk.Number)
	if code, _, _ := b.get("/admin/macros/" + itoa(m.ID)); code != 404 {
		t.Fatalf("an agent opens the form of a shared macro: %d", code)
	}
	b.get("/tickets/" + n + "?macro=" + itoa(m.ID))
	code, _, _ := b.post("/tickets/"+n+"/reply", url.Values{"_csrf": {b.csrf}, "kind": {"reply"}, "body": {"Here is your link."},
		"macro": {itoa(m.ID)}})
	if code != 303 {
		t.Fatalf("send with macro: %d", code)
	}
	got, _ := e.Tickets.Get(ctx, agent, tk.Number)
	if got.Status != ticket.StatusPending || strings.Join(got.Tags, ",") != "password" {
		t.Fatalf("after the macro: %s %v", got.Status, got.Tags)
	}
	_, page, _ := b.get("/tickets/" + n)
	if !strings.Contains(page, "applied macro ‘Password reset’") || !strings.Contains(page, "Here is your link.") {
		t.Fatal("the ticket page does not show the macro and the reply")
	}
	// A macro that resolves answers first, then resolves.
	done, err := e.Macros.Create(ctx, admin, macro.Input{Name: ptrTo("Close it"),
		Actions: &automation.Actions{{Type: automation.ActSet, Field: "status", Value: "closed", Resolution: "fixed"}}})
	if err != nil {
		t.Fatal(err)
	}
	other := apptest.Ticket(t, e.Services, agent)
	if code, body, _ := b.post("/tickets/"+itoa(other.Number)+"/reply", url.Values{"_csrf": {b.csrf}, "kind": {"reply"},
		"body": {"Closing this."}, "macro": {itoa(done.ID)}}); code != 303 {
		t.Fatalf("a macro that closes the ticket it answers: %d %s", code, body)
	}
	// A macro whose action fails (a value the custom field refuses):
	// nothing happens, the reply stays in the box, the page says why.
	typ := ticket.FieldNumber
	if _, err := e.Tickets.CreateFieldDef(ctx, admin, ticket.FieldDefInput{Key: ptrTo("hours"), Label: ptrTo("Hours"), Type: &typ}); err != nil {
		t.Fatal(err)
	}
	bad, err := e.Macros.Create(ctx, admin, macro.Input{Name: ptrTo("Broken"),
		Actions: &automation.Actions{{Type: automation.ActAddTags, Tags: []string{"broken"}},
			{Type: automation.ActSet, Field: "custom_fields.hours", Value: "many"}}})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := e.Tickets.Get(ctx, agent, tk.Number)
	code, body, _ := b.post("/tickets/"+n+"/reply", url.Values{"_csrf": {b.csrf}, "kind": {"reply"},
		"body": {"Will this go?"}, "macro": {itoa(bad.ID)}})
	after, _ := e.Tickets.Get(ctx, agent, tk.Number)
	if code != 422 || !strings.Contains(body, "The macro changed nothing") || !strings.Contains(body, "Will this go?</textarea>") ||
		after.Version != before.Version {
		t.Fatalf("a failing macro: %d, version %d→%d", code, before.Version, after.Version)
	}
	if msgs, _ := e.Tickets.Messages(ctx, agent, tk.Number, 0, 100); strings.Contains(msgs[len(msgs)-1].Body, "Will this go?") {
		t.Fatal("the reply went out with a failing macro")
	}
}

// TestBulkMacro: a macro applied from the queue's bulk actions changes each
// ticket in its own transaction; a ticket that refuses (closed) is listed
// with the reason and left as it was; the usage count counts each ticket.
func TestBulkMacro(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		ctx := context.Background()
		b, agent := signIn(t, e, user.RoleAgent)
		admin := apptest.User(t, e.Services, user.RoleAdmin, "")
		m, err := e.Macros.Create(ctx, admin, macro.Input{Name: ptrTo("Triage"), Actions: &automation.Actions{
			{Type: automation.ActAddTags, Tags: []string{"triaged"}}, {Type: automation.ActSet, Field: "status", Value: "pending"}}})
		if err != nil {
			t.Fatal(err)
		}
		a := apptest.Ticket(t, e.Services, agent)
		c := apptest.Ticket(t, e.Services, agent)
		closed := apptest.Ticket(t, e.Services, agent)
		if _, err := e.Tickets.Update(ctx, agent, closed.Number, ticket.Patch{Status: ptrTo(ticket.StatusClosed), Resolution: ptrTo(ticket.Resolution("fixed"))}, 0); err != nil {
			t.Fatal(err)
		}
		_, page, _ := b.get("/tickets?view=open")
		if !strings.Contains(page, `id="bulk-macro"`) {
			t.Fatal("no macro in the bulk actions")
		}
		code, body, _ := b.post("/tickets/bulk", url.Values{"_csrf": {b.csrf}, "n": {itoa(a.Number), itoa(c.Number), itoa(closed.Number)},
			"macro": {itoa(m.ID)}, "back": {"/tickets?view=open"}})
		if code != 422 || !strings.Contains(body, "#"+itoa(closed.Number)) || !strings.Contains(body, "2 ticket(s) changed.") {
			t.Fatalf("bulk macro: %d", code)
		}
		for _, tk := range []*ticket.Ticket{a, c} {
			got, _ := e.Tickets.Get(ctx, agent, tk.Number)
			if got.Status != ticket.StatusPending || strings.Join(got.Tags, ",") != "triaged" {
				t.Errorf("ticket %d after bulk: %s %v", tk.Number, got.Status, got.Tags)
			}
		}
		if got, _ := e.Tickets.Get(ctx, agent, closed.Number); len(got.Tags) != 0 || got.Version != closed.Version+1 {
			t.Errorf("the refused ticket changed: %v version %d", got.Tags, got.Version)
		}
		if got, _ := e.Macros.Get(ctx, admin, m.ID); got.UsageCount != 2 {
			t.Errorf("usage count %d, want 2", got.UsageCount)
		}
		// A macro goes alone.
		code, body, _ = b.post("/tickets/bulk", url.Values{"_csrf": {b.csrf}, "n": {itoa(a.Number)}, "macro": {itoa(m.ID)},
			"priority": {"p1"}, "back": {"/tickets?view=open"}})
		if code != 422 || !strings.Contains(body, "Apply a macro on its own") {
			t.Fatalf("macro with other changes: %d", code)
		}
	})
}

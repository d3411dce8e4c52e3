package agent_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/ticket"
)

// TestBrowserPanelTwoAgents: Alice and Bob have one ticket open. Bob's
// change shows up in Alice's property panel without a reload, fields she
// is editing stay hers (marked when Bob changed them too), her save
// applies only what she changed, and a real collision lets her pick,
// field by field.
func TestBrowserPanelTwoAgents(t *testing.T) {
	c := newChrome(t, 90*time.Second)
	e := newE2EEnv(t)
	ctx := context.Background()
	a := c.tab("alice", e.URL)
	a.signIn(t, "alice@example.test", e2ePassword, "/tickets?view=open", "#queue")
	b := c.tab("bob", e.URL)
	b.signIn(t, "bob@example.test", e2ePassword, "/tickets?view=open", "#queue")
	get := func(n int64) *ticket.Ticket {
		t.Helper()
		tk, err := e.Tickets.Get(ctx, e.Admin, n)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	// changedBy lists the fields Alice's saves changed on a ticket.
	changedBy := func(n int64, email string) []string {
		t.Helper()
		evs, err := e.Tickets.Events(ctx, e.Admin, n, 0, 200)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, ev := range evs {
			if ev.Actor.Email == email && ev.Field != "created" {
				out = append(out, ev.Field)
			}
		}
		return out
	}

	t.Run("live_panel_and_save", func(t *testing.T) {
		tk := apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Subject = "Scanner on floor 2 offline"; n.Priority = "p3" })
		path := "/tickets/" + num(tk.Number)
		a.open(t, path, "#props")
		eval[bool](t, a, `window.e2eMarker = true`)
		b.open(t, path, "#props")
		b.do(t, "Bob assigns the ticket to himself",
			chromedp.SetValue(chromedp.CSS("#f-assignee"), "bob@example.test"),
			chromedp.Click(chromedp.CSS("#save")),
			chromedp.WaitVisible(chromedp.CSS(".flash")))
		a.waitJS(t, "Bob as the assignee in Alice's panel", `document.getElementById("f-assignee").value === "bob@example.test"`)
		if !eval[bool](t, a, `window.e2eMarker === true`) {
			t.Fatal("Alice's page reloaded; the panel must refresh in place")
		}
		if v := eval[string](t, a, `document.querySelector('#props input[name=version]').value`); v != num(get(tk.Number).Version) {
			t.Errorf("Alice's form carries version %s, the ticket is at %d", v, get(tk.Number).Version)
		}
		a.do(t, "Alice raises the priority and saves",
			chromedp.SetValue(chromedp.CSS("#f-priority"), "p1"),
			chromedp.Click(chromedp.CSS("#save")),
			chromedp.WaitVisible(chromedp.CSS(".flash")))
		if flash := a.text(t, ".flash"); flash != "Ticket updated." {
			t.Errorf("flash = %q", flash)
		}
		got := get(tk.Number)
		if got.Assignee == nil || got.Assignee.Email != "bob@example.test" {
			t.Errorf("Alice's save undid Bob's assignment: %+v", got.Assignee)
		}
		if got.Priority != ticket.P1 {
			t.Errorf("priority %s, want p1", got.Priority)
		}
		if ch := changedBy(tk.Number, "alice@example.test"); strings.Join(ch, ",") != "priority" {
			t.Errorf("Alice's save changed %v, want only priority", ch)
		}
		a.sameOrigin(t)
	})

	t.Run("collision", func(t *testing.T) {
		tk := apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Subject = "Printer on floor 3 jams"; n.Priority = "p3" })
		path := "/tickets/" + num(tk.Number)
		a.open(t, path, "#props")
		// Alice starts editing: a higher priority and a tag, not saved yet.
		a.do(t, "Alice edits",
			chromedp.SetValue(chromedp.CSS("#f-priority"), "p1"),
			chromedp.SendKeys(chromedp.CSS("#f-tags"), "printer"))
		// Meanwhile Bob lowers the priority and takes the ticket.
		prio, bob := "p4", "bob@example.test"
		if _, err := e.Tickets.Update(ctx, e.bob, tk.Number, ticket.Patch{Priority: &prio, Assignee: &bob}, 0); err != nil {
			t.Fatal(err)
		}
		a.waitJS(t, "Bob's assignee in Alice's panel", `document.getElementById("f-assignee").value === "bob@example.test"`)
		a.waitJS(t, "the mark on the priority Alice is editing", `document.querySelector("#f-priority + .theirs")?.textContent.includes("p4")`)
		if v := eval[string](t, a, `document.getElementById("f-priority").value + "|" + document.getElementById("f-tags").value`); v != "p1|printer" {
			t.Fatalf("the refresh touched Alice's edits: %s", v)
		}
		a.screenshots(t, "panel-marked")
		a.do(t, "Alice saves", chromedp.Click(chromedp.CSS("#save")), chromedp.WaitVisible(chromedp.CSS("#clashes")))
		if txt := a.text(t, `#clashes tr[data-field="priority"]`); !strings.Contains(txt, "p4 · low") || !strings.Contains(txt, "p1 · critical") {
			t.Errorf("the collision row does not show both values: %q", txt)
		}
		if n := eval[int](t, a, `document.querySelectorAll("#clashes tbody tr").length`); n != 1 {
			t.Errorf("%d collided fields, want 1 (priority)", n)
		}
		if got := get(tk.Number); got.Priority != ticket.P4 || len(got.Tags) != 0 {
			t.Fatalf("the colliding save was applied: priority %s tags %v", got.Priority, got.Tags)
		}
		if v := eval[string](t, a, `document.getElementById("f-priority").value + "|" + document.getElementById("f-tags").value + "|" + document.getElementById("f-assignee").value`); v != "p1|printer|bob@example.test" {
			t.Errorf("after the collision the panel shows %s, want Alice's edits and Bob's assignee", v)
		}
		a.screenshots(t, "panel-collision")
		// Alice keeps Bob's priority for that field, and her tag.
		a.do(t, "keep Bob's priority", chromedp.Click(chromedp.CSS(`input[name="keep.priority"][value=theirs]`)))
		if v := eval[string](t, a, `document.getElementById("f-priority").value`); v != "p4" {
			t.Errorf("choosing Now put %q in the priority field", v)
		}
		a.do(t, "save the choices", chromedp.Click(chromedp.CSS("#apply-choices")), chromedp.WaitVisible(chromedp.CSS(".flash")))
		got := get(tk.Number)
		if got.Priority != ticket.P4 || strings.Join(got.Tags, ",") != "printer" || got.Assignee == nil || got.Assignee.Email != bob {
			t.Errorf("after merging: priority %s tags %v assignee %+v", got.Priority, got.Tags, got.Assignee)
		}
		if ch := changedBy(tk.Number, "alice@example.test"); strings.Join(ch, ",") != "tags" {
			t.Errorf("Alice's saves changed %v, want only tags", ch)
		}
		a.sameOrigin(t)
	})
	// The conflict page answers 409, which the browser logs as a failed
	// load; nothing else may show up.
	a.noConsoleErrors(t, "status of 409")
	b.noConsoleErrors(t)
}

// screenshots saves the page at 1280 and 390 px wide, viewport and whole
// page, when DOCKET_SCREENSHOTS names a directory (see TestBrowserScreenshots).
func (tb *tab) screenshots(t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("DOCKET_SCREENSHOTS")
	if dir == "" {
		return
	}
	for _, w := range []int64{390, 1280} {
		tb.do(t, "viewport", chromedp.EmulateViewport(w, 844), chromedp.Sleep(200*time.Millisecond))
		tb.saveScreenshots(t, dir, name+"-"+num(w))
	}
}

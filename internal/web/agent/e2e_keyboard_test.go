package agent_test

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/macro"
	"github.com/docket/docket/internal/ticket"
)

// TestBrowserKeyboard: the skip link leads to the content; the help is a
// modal dialog that keeps the focus and closes with Esc; every shortcut it
// lists works (and the test presses each one); j/k selection is announced;
// Ctrl+Enter sends.
func TestBrowserKeyboard(t *testing.T) {
	c := newChrome(t, 90*time.Second)
	e := newE2EEnv(t)
	ctx := context.Background()
	var tickets []*ticket.Ticket
	for _, s := range []string{"Scanner offline", "Badge reader broken", "Monitor flickers"} {
		tickets = append(tickets, apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Subject = s }))
	}
	if _, err := e.Macros.Create(ctx, e.Admin, macro.Input{Name: ptrTo("Greeting"), Body: ptrTo("Hello!")}); err != nil {
		t.Fatal(err)
	}
	a := c.tab("alice", e.URL)
	a.signIn(t, "alice@example.test", e2ePassword, "/tickets?view=open", "#queue")
	tested := map[string]bool{}
	press := func(t *testing.T, keys string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		tested[keys] = true
		a.do(t, keys, actions...)
	}
	at := func(t *testing.T, want string) {
		t.Helper()
		a.waitJS(t, want, `location.pathname + location.search === "`+want+`" && document.readyState === "complete"`)
	}
	active := func(t *testing.T) string {
		t.Helper()
		return eval[string](t, a, `document.activeElement.id || document.activeElement.tagName`)
	}

	t.Run("skip_link", func(t *testing.T) {
		a.open(t, "/tickets?view=open", "#queue")
		a.do(t, "Tab", chromedp.KeyEvent(kb.Tab))
		if id := active(t); id != "skip" {
			t.Fatalf("the first Tab focuses %q, want the skip link", id)
		}
		if !eval[bool](t, a, `(function () { var r = document.getElementById("skip").getBoundingClientRect(); return r.top >= 0 && r.height > 0; })()`) {
			t.Error("the focused skip link is not on screen")
		}
		a.do(t, "Enter", chromedp.KeyEvent(kb.Enter))
		a.waitJS(t, "main focused", `document.activeElement.id === "main"`)
	})

	t.Run("help_dialog", func(t *testing.T) {
		a.open(t, "/tickets?view=open", "#queue")
		press(t, "?", chromedp.KeyEvent("?"))
		a.waitJS(t, "the help", `document.getElementById("help").open`)
		if !eval[bool](t, a, `document.getElementById("help").matches(":modal") && document.getElementById("help").getAttribute("aria-modal") === "true"`) {
			t.Error("the help is not a modal dialog")
		}
		for range 5 {
			a.do(t, "Tab", chromedp.KeyEvent(kb.Tab))
			if !eval[bool](t, a, `document.getElementById("help").contains(document.activeElement)`) {
				t.Fatalf("Tab left the dialog for %s", active(t))
			}
		}
		// Keys meant for the page do nothing while the dialog is open.
		a.do(t, "j", chromedp.KeyEvent("j"))
		if eval[bool](t, a, `!!document.querySelector("tr.sel")`) {
			t.Error("j moved the selection behind the dialog")
		}
		press(t, "Esc", chromedp.KeyEvent(kb.Escape))
		a.waitJS(t, "the help closed", `!document.getElementById("help").open`)
	})

	t.Run("queue_keys", func(t *testing.T) {
		a.open(t, "/tickets?view=open", "#queue")
		press(t, "j k", chromedp.KeyEvent("j"), chromedp.KeyEvent("j"), chromedp.KeyEvent("j"), chromedp.KeyEvent("k"))
		sel := eval[string](t, a, `document.querySelector("tr.sel").dataset.number`)
		if sel != num(tickets[1].Number) {
			t.Fatalf("after j j j k the selection is %s, want %d", sel, tickets[1].Number)
		}
		said := a.text(t, "#announce")
		if !strings.Contains(said, tickets[1].Reference) || !strings.Contains(said, "Badge reader broken") {
			t.Errorf("the live region says %q", said)
		}
		if eval[string](t, a, `document.getElementById("announce").getAttribute("aria-live")`) != "polite" {
			t.Error("the announcement is not a live region")
		}
		press(t, "x", chromedp.KeyEvent("x"))
		if !eval[bool](t, a, `document.querySelector("tr.sel input[type=checkbox]").checked`) {
			t.Error("x did not tick the selected ticket")
		}
		press(t, "/", chromedp.KeyEvent("/"))
		if id := active(t); id != "q" {
			t.Errorf("/ focused %q", id)
		}
		a.do(t, "Esc", chromedp.KeyEvent(kb.Escape))
		press(t, "Enter o", chromedp.KeyEvent("o"))
		at(t, "/tickets/"+num(tickets[1].Number))
		a.open(t, "/tickets?view=open", "#queue")
		a.do(t, "j Enter", chromedp.KeyEvent("j"), chromedp.KeyEvent(kb.Enter))
		at(t, "/tickets/"+num(tickets[2].Number))
	})

	t.Run("go_to", func(t *testing.T) {
		for _, g := range []struct{ key, view string }{{"i", "mine"}, {"u", "unassigned"}, {"t", "team"}, {"a", "open"}, {"p", "pending"}, {"r", "resolved"}} {
			a.open(t, "/tickets?view=open", "#queue")
			press(t, "g "+g.key, chromedp.KeyEvent("g"), chromedp.KeyEvent(g.key))
			at(t, "/tickets?view="+g.view)
		}
	})

	t.Run("ticket_keys", func(t *testing.T) {
		tk := tickets[0]
		a.open(t, "/tickets/"+num(tk.Number), "#ticket")
		press(t, "s", chromedp.KeyEvent("s"))
		if id := active(t); id != "f-status" {
			t.Errorf("s focused %q", id)
		}
		a.do(t, "Esc", chromedp.KeyEvent(kb.Escape))
		press(t, "m", chromedp.KeyEvent("m"))
		if id := active(t); id != "macro-pick" {
			t.Errorf("m focused %q", id)
		}
		a.do(t, "Esc", chromedp.KeyEvent(kb.Escape))
		press(t, "n", chromedp.KeyEvent("n"))
		if f := eval[string](t, a, `document.activeElement.id + ":" + document.querySelector("input[name=kind]:checked").value`); f != "body:note" {
			t.Fatalf("after n: %q", f)
		}
		a.do(t, "write", chromedp.SendKeys(chromedp.CSS("#body"), "Checked the cable."))
		press(t, "Ctrl+Enter", chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl)))
		// The page after sending, loaded to the end: r pressed while its
		// scripts were still loading reached no handler (CI under load).
		a.waitJS(t, "the note", `!!document.querySelector(".msg.note") && document.querySelector(".msg.note").textContent.includes("Checked the cable.") && document.readyState === "complete"`)
		// The page after sending has nothing focused (Esc there would leave
		// the ticket); r moves to the composer again.
		press(t, "r", chromedp.KeyEvent("r"))
		if f := eval[string](t, a, `document.activeElement.id + ":" + document.querySelector("input[name=kind]:checked").value`); f != "body:reply" {
			t.Fatalf("after r: %q", f)
		}
		a.do(t, "write", chromedp.SendKeys(chromedp.CSS("#body"), "Replaced the cable."),
			chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierMeta)))
		a.waitJS(t, "the reply (Cmd+Enter)", `[...document.querySelectorAll(".msg:not(.note)")].some(m => m.textContent.includes("Replaced the cable."))`)
		a.do(t, "blur", chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur(); window.beforeA = true`))
		press(t, "a", chromedp.KeyEvent("a"))
		a.waitJS(t, "assigned", `!window.beforeA && !!document.querySelector(".flash") && document.readyState === "complete"`)
		if cur, _ := e.Tickets.Get(ctx, e.alice, tk.Number); cur.Assignee == nil || cur.Assignee.Email != "alice@example.test" {
			t.Errorf("a did not assign the ticket to Alice: %+v", cur.Assignee)
		}
		a.open(t, "/tickets?view=open", "#queue")
		a.open(t, "/tickets/"+num(tk.Number), "#ticket")
		press(t, "Esc", chromedp.KeyEvent(kb.Escape))
		at(t, "/tickets?view=open")
	})

	t.Run("help_lists_what_works", func(t *testing.T) {
		listed := eval[[]string](t, a, `[...document.querySelectorAll("#help dt")].map(d => d.dataset.keys)`)
		var untested, unlisted []string
		for _, k := range listed {
			if !tested[k] {
				untested = append(untested, k)
			}
		}
		for k := range tested {
			if !slices.Contains(listed, k) {
				unlisted = append(unlisted, k)
			}
		}
		sort.Strings(unlisted)
		if len(untested) > 0 {
			t.Errorf("the help lists shortcuts this test never pressed: %v", untested)
		}
		if len(unlisted) > 0 {
			t.Errorf("working shortcuts missing from the help: %v", unlisted)
		}
	})
	a.noConsoleErrors(t)
}

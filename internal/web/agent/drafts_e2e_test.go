package agent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/ticket"
)

// bodyValue is what the composer holds.
func bodyValue(t *testing.T, tb *tab) string {
	t.Helper()
	return eval[string](t, tb, `document.getElementById("body").value`)
}

// TestBrowserDraftsSurvive walks the ways a half-written reply used to be
// lost: saving a property, the collision page, another browser, and the
// session ending before Send. It also checks the warning before leaving
// with unsent text, and that sending clears the draft everywhere.
func TestBrowserDraftsSurvive(t *testing.T) {
	c := newChrome(t, 120*time.Second)
	e := newE2EEnv(t)
	ctx := context.Background()
	tk := apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Subject = "Printer on floor 3 jams" })
	path := "/tickets/" + num(tk.Number)
	a := c.tab("alice", e.URL)
	a.signIn(t, "alice@example.test", e2ePassword, path, "#composer")
	text := "Hello Sam, the printer needs a new fuser; "

	t.Run("property_save", func(t *testing.T) {
		// Type and save a property at once, before the draft reached
		// the server: the browser's copy brings it back.
		a.do(t, "type and save a property", chromedp.SendKeys(chromedp.CSS("#body"), text),
			chromedp.SetValue(chromedp.CSS("#f-priority"), "p2"), chromedp.Click(chromedp.CSS("#save")),
			chromedp.WaitVisible(chromedp.CSS(".flash")))
		cur, err := e.Tickets.Get(ctx, e.alice, tk.Number)
		if err != nil || cur.Priority != ticket.P2 {
			t.Fatalf("the property was not saved: %v %v", cur.Priority, err)
		}
		a.waitJS(t, "the text back in the composer", `document.getElementById("body").value === `+jsString(text))
	})

	t.Run("conflict_page", func(t *testing.T) {
		// Alice edits the priority; Bob changes the same field before she
		// saves: a real collision (changes to other fields would merge).
		a.do(t, "edit the priority", chromedp.SetValue(chromedp.CSS("#f-priority"), "p1"))
		eval[bool](t, a, `document.getElementById("f-priority").dispatchEvent(new Event("change", {bubbles: true}))`)
		p3 := "p3"
		if _, err := e.Tickets.Update(ctx, e.bob, tk.Number, ticket.Patch{Priority: &p3}, 0); err != nil {
			t.Fatal(err)
		}
		// Bob's change reaches Alice's page first: the note it shows above
		// the ticket moves the Save button, and a click aimed at where the
		// button was (CI, under load) pressed nothing.
		a.waitJS(t, "the mark on the priority Alice is editing", `document.querySelector("#f-priority + .theirs")?.textContent.includes("p3") && !document.getElementById("live-note").hidden`)
		a.do(t, "type more and collide", chromedp.SendKeys(chromedp.CSS("#body"), "it comes on Monday."),
			chromedp.Click(chromedp.CSS("#save")),
			chromedp.WaitVisible(chromedp.CSS("#conflict")))
		text += "it comes on Monday."
		a.waitJS(t, "the whole text on the conflict page", `document.getElementById("body").value === `+jsString(text))
		// The draft reaches the server as one types.
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			d, err := e.Drafts.Get(ctx, e.alice, tk.Number)
			if err == nil && d.Body == text {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the server's draft is %+v (%v), want %q", d, err, text)
			}
		}
	})

	t.Run("another_browser", func(t *testing.T) {
		l := c.tab("alice-laptop", e.URL)
		l.signIn(t, "alice@example.test", e2ePassword, path, "#composer")
		if got := bodyValue(t, l); got != text {
			t.Fatalf("in another browser the composer holds %q, want %q", got, text)
		}
		if s := l.text(t, "#draft-status"); !strings.Contains(s, "Your unsent draft") {
			t.Errorf("#draft-status = %q", s)
		}
		// Bob, on his own browser, sees nothing of it.
		b := c.tab("bob", e.URL)
		b.signIn(t, "bob@example.test", e2ePassword, path, "#composer")
		if got := bodyValue(t, b); got != "" {
			t.Errorf("Bob's composer holds Alice's draft %q", got)
		}
		l.noConsoleErrors(t)
		b.noConsoleErrors(t)
	})

	t.Run("warn_before_leaving", func(t *testing.T) {
		// Leaving with unsent text asks first (the test's tab says yes);
		// the text is there when the agent comes back.
		before := a.askedToLeave()
		a.open(t, "/tickets?view=open", "#queue")
		if a.askedToLeave() != before+1 {
			t.Error("leaving the page with unsent text did not ask first")
		}
		a.open(t, path, "#composer")
		if got := bodyValue(t, a); got != text {
			t.Errorf("back on the ticket the composer holds %q", got)
		}
		// Leaving through the page's own forms does not ask: the text is
		// kept for the page that comes next.
		before = a.askedToLeave()
		a.do(t, "save a property", chromedp.SetValue(chromedp.CSS("#f-priority"), "p3"), chromedp.Click(chromedp.CSS("#save")),
			chromedp.WaitVisible(chromedp.CSS(".flash")))
		if a.askedToLeave() != before {
			t.Error("saving a property asked whether to leave the page")
		}
	})

	t.Run("session_ends", func(t *testing.T) {
		endSessions(t, e.Env, e.alice.ID)
		a.do(t, "send", chromedp.Click(chromedp.CSS("#send")), chromedp.WaitVisible(chromedp.CSS("#signin")))
		if loc := a.location(t); loc != "/login?next=%2Ftickets%2F"+num(tk.Number) {
			t.Errorf("after Send with an ended session the page is %s", loc)
		}
		if f := a.text(t, ".flash"); !strings.Contains(f, "your text is kept as a draft") {
			t.Errorf("flash = %q", f)
		}
		a.do(t, "sign in again",
			chromedp.SendKeys(chromedp.CSS("#email"), "alice@example.test"),
			chromedp.SendKeys(chromedp.CSS("#password"), e2ePassword),
			chromedp.Submit(chromedp.CSS("#signin")),
			chromedp.WaitVisible(chromedp.CSS("#composer")))
		if loc := a.location(t); loc != path {
			t.Errorf("after signing in again the page is %s, want %s", loc, path)
		}
		if got := bodyValue(t, a); got != text {
			t.Fatalf("after signing in again the composer holds %q, want %q", got, text)
		}
		if ms, _ := e.Tickets.Messages(ctx, e.alice, tk.Number, 0, 10); len(ms) != 1 {
			t.Errorf("%d messages: something was sent with the ended session", len(ms))
		}
	})

	t.Run("send_clears", func(t *testing.T) {
		a.do(t, "send", chromedp.Click(chromedp.CSS("#send")), chromedp.WaitVisible(chromedp.CSS(".flash")))
		if f := a.text(t, ".flash"); f != "Reply sent." {
			t.Fatalf("flash = %q", f)
		}
		if got := bodyValue(t, a); got != "" {
			t.Errorf("after sending the composer holds %q", got)
		}
		if n := eval[int](t, a, `Object.keys(localStorage).filter(k => k.startsWith("docket:draft:")).length`); n != 0 {
			t.Errorf("%d drafts left in the browser after sending", n)
		}
		if _, err := e.Drafts.Get(ctx, e.alice, tk.Number); err == nil {
			t.Error("the server's draft outlived its message")
		}
		a.open(t, path, "#composer")
		if got := bodyValue(t, a); got != "" {
			t.Errorf("after sending and reloading the composer holds %q", got)
		}
		a.sameOrigin(t)
	})
	// The collision page answers 409, and the ended session answers the
	// live stream and the autosave with 401, which the browser logs;
	// nothing else may show up.
	a.noConsoleErrors(t, "status of 409", "status of 401")
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

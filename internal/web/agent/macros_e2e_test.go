package agent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/macro"
	"github.com/docket/docket/internal/ticket"
)

// TestBrowserMacro: on a ticket page, m focuses the macros menu; choosing
// a macro with the keyboard puts its reply, filled for the ticket, into
// the composer and shows what its actions will do; sending applies them
// with the reply, and the page shows the fields changed and the macro in
// the history.
func TestBrowserMacro(t *testing.T) {
	c := newChrome(t, 60*time.Second)
	e := newE2EEnv(t)
	ctx := context.Background()
	if _, err := e.Macros.Create(ctx, e.Admin, macro.Input{Name: ptrTo("Password reset"),
		Body: ptrTo("Hi {{requester.name}}, here is the link to reset your password."),
		Actions: &automation.Actions{{Type: automation.ActSet, Field: "status", Value: "pending"},
			{Type: automation.ActSet, Field: "priority", Value: "p2"},
			{Type: automation.ActAddTags, Tags: []string{"password"}}}}); err != nil {
		t.Fatal(err)
	}
	tk := apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) {
		n.Subject = "Cannot sign in"
		n.Requester = &ticket.Contact{Email: "dana@example.test", Name: "Dana"}
	})
	a := c.tab("alice", e.URL)
	a.signIn(t, "alice@example.test", e2ePassword, "/tickets/"+num(tk.Number), "#ticket")
	a.do(t, "m", chromedp.KeyEvent("m"))
	a.waitJS(t, "the menu focused", `document.activeElement.id === "macro-pick"`)
	a.do(t, "choose the macro", chromedp.KeyEvent(kb.ArrowDown))
	a.waitJS(t, "the composer filled", `document.getElementById("body").value.includes("Hi Dana, here is the link")`)
	if !eval[bool](t, a, `!document.getElementById("macro-staged").hidden`) {
		t.Fatal("the staged macro is not shown")
	}
	if got := a.text(t, "#macro-actions"); !strings.Contains(got, "Set status to pending") || !strings.Contains(got, "Add tags password") {
		t.Fatalf("staged actions: %q", got)
	}
	if cur, _ := e.Tickets.Get(ctx, e.alice, tk.Number); cur.Status == ticket.StatusPending {
		t.Fatal("the actions applied before the reply was sent")
	}
	a.do(t, "send", chromedp.Click(chromedp.CSS("#send")))
	// The whole page: its flash is parsed before the fields' form.
	a.waitJS(t, "sent", `document.readyState === "complete" && !!document.querySelector(".flash") && document.querySelector(".flash").textContent.includes("Applied the macro")`)
	if v := eval[string](t, a, `document.getElementById("f-status").value + " " + document.getElementById("f-priority").value`); v != "pending p2" {
		t.Errorf("fields after the macro: %q", v)
	}
	if !eval[bool](t, a, `document.body.textContent.includes("applied macro ‘Password reset’")`) {
		t.Error("the history does not name the macro")
	}
	if !eval[bool](t, a, `[...document.querySelectorAll(".msg:not(.note)")].some(m => m.textContent.includes("Hi Dana, here is the link"))`) {
		t.Error("the reply was not sent")
	}
	a.noConsoleErrors(t)
}

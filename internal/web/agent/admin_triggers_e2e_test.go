package agent_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// choose sets a select (or input) of the trigger form and tells the page,
// as a person choosing would.
func choose(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const el = document.querySelector(%q);
		el.value = %q; el.dispatchEvent(new Event("change", {bubbles: true})); })()`, sel, value))
}

// TestBrowserTriggers builds a trigger in a real browser — two conditions
// and two actions added with the form's buttons — sees a refusal come
// back on the right rows with what was typed, saves it, and sees it run
// on a new ticket. No page scrolls sideways on a wide screen or a phone.
// With DOCKET_SCREENSHOTS set it saves screenshots there.
func TestBrowserTriggers(t *testing.T) {
	c := newChrome(t, 90*time.Second)
	e := newE2EEnv(t)
	ctx := context.Background()
	if _, err := e.Users.Create(ctx, apptest.Setup, user.NewUser{Email: "ada@example.test", Name: "Ada Admin",
		Role: user.RoleAdmin, Password: e2ePassword}); err != nil {
		t.Fatal(err)
	}
	name := "Network"
	if _, err := e.Users.CreateTeam(ctx, e.Admin, user.TeamInput{Name: &name}); err != nil {
		t.Fatal(err)
	}
	a := c.tab("ada", e.URL)
	// Until the deferred script runs, "Add" posts the form instead.
	a.signIn(t, "ada@example.test", e2ePassword, "/admin/triggers/new", `#trigger-form[data-rows="live"]`)

	// The script adds rows in place: two conditions, a second action.
	a.do(t, "build the trigger",
		chromedp.SetValue(chromedp.CSS("#trg-name"), "Route VPN"),
		chromedp.Click(chromedp.CSS("#add-all")),
		chromedp.Click(chromedp.CSS("#add-all")),
		choose("#cond-all .trg-row:nth-child(1) .trg-field", "tag"),
		choose("#cond-all .trg-row:nth-child(1) .trg-op", "is"),
		chromedp.SetValue(chromedp.CSS("#cond-all .trg-row:nth-child(1) .trg-value"), "vpn"),
		choose("#cond-all .trg-row:nth-child(2) .trg-field", "priority"),
		choose("#actions .trg-row:nth-child(1) .trg-type", "set"),
		chromedp.Click(chromedp.CSS("#add-act")),
		choose("#actions .trg-row:nth-child(2) .trg-type", "note"),
		chromedp.SetValue(chromedp.CSS(`#actions .trg-row:nth-child(2) textarea[name="act.body"]`), "Routed {{.Ticket.Reference}} to Network."))
	if n := eval[int](t, a, `document.querySelectorAll("#trigger-form .trg-rows .trg-row").length`); n != 4 {
		t.Fatalf("%d rows on the form, want 2 conditions and 2 actions", n)
	}
	// The operators offered fit the field: a tag has no "greater than".
	if hidden := eval[bool](t, a, `document.querySelector('#cond-all .trg-row:nth-child(1) .trg-op option[value="greater"]').disabled`); !hidden {
		t.Error("a tag condition offers greater than")
	}
	// A set action shows its field and value, not a note's text.
	if eval[bool](t, a, `document.querySelector('#actions .trg-row:nth-child(1) [data-part="body"]').hidden`) != true {
		t.Error("a set action shows the text box")
	}

	// The second condition has no value and the set action no field: both
	// refused on their rows, and everything typed is still there.
	a.do(t, "a refused trigger",
		chromedp.Click(chromedp.CSS("#save-trigger")),
		chromedp.WaitVisible(chromedp.CSS("#err-conditions-all-1-value")))
	if got := a.text(t, "#err-actions-0-field"); !strings.Contains(got, "Is required") {
		t.Errorf("the set action's field error reads %q", got)
	}
	for js, want := range map[string]string{
		`document.querySelector("#trg-name").value`:                                                "Route VPN",
		`document.querySelector("#cond-all .trg-row:nth-child(1) .trg-value").value`:               "vpn",
		`document.querySelector("#cond-all .trg-row:nth-child(2) .trg-field").value`:               "priority",
		`document.querySelector('#actions .trg-row:nth-child(2) textarea[name="act.body"]').value`: "Routed {{.Ticket.Reference}} to Network.",
	} {
		if got := eval[string](t, a, js); got != want {
			t.Errorf("after the refusal %s = %q, want %q", js, got, want)
		}
	}
	shootSizes(t, a, "triggers-form-errors", "", "#err-conditions-all-1-value")

	a.do(t, "a saved trigger",
		chromedp.SetValue(chromedp.CSS("#cond-all .trg-row:nth-child(2) .trg-value"), "p3"),
		choose("#actions .trg-row:nth-child(1) select[name='act.field']", "team"),
		chromedp.SetValue(chromedp.CSS("#actions .trg-row:nth-child(1) input[name='act.value']"), "Network"),
		chromedp.Click(chromedp.CSS("#save-trigger")),
		chromedp.WaitVisible(chromedp.CSS("#test-form")))
	editor := a.location(t)

	// It runs on a new ticket: the team is set and the note written, by
	// the trigger.
	tk := apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Tags = []string{"vpn"} })
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, err := e.Tickets.Get(ctx, e.Admin, tk.Number)
		if err != nil {
			t.Fatal(err)
		}
		if got.Team != nil && got.Team.Name == "Network" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the trigger did not route ticket %d", tk.Number)
		}
		time.Sleep(50 * time.Millisecond)
	}
	a.open(t, "/tickets/"+num(tk.Number), "#conversation")
	if body := a.text(t, "#conversation"); !strings.Contains(body, "Routed "+tk.Reference+" to Network.") {
		t.Errorf("the ticket's thread lacks the trigger's note: %q", body)
	}
	a.open(t, editor, "#run-log")
	if eval[bool](t, a, `document.querySelector('#actions .trg-row:nth-child(1) [data-part="resolution"]').hidden`) != true {
		t.Error("setting a team offers a resolution")
	}
	if got := a.text(t, "#run-log"); !strings.Contains(got, "Applied") {
		t.Errorf("the run log reads %q", got)
	}
	a.do(t, "dry run",
		chromedp.SetValue(chromedp.CSS("#test-ticket"), num(tk.Number)),
		chromedp.Click(chromedp.CSS("#run-test")),
		chromedp.WaitVisible(chromedp.CSS("#test-result")))
	if got := a.text(t, "#test-result"); !strings.Contains(got, "Matches") || !strings.Contains(got, "Set team to Network") {
		t.Errorf("the dry run reads %q", got)
	}
	shootSizes(t, a, "triggers-edit", "", "#test-result")
	shootSizes(t, a, "triggers-list", "/admin/triggers", "#triggers")
	// The refused form answered 422, as it should.
	a.noConsoleErrors(t, "status of 422")
}

// shootSizes checks a page at 1280 and 390 px wide for sideways
// scrolling and saves its screenshots (DOCKET_SCREENSHOTS); an empty path
// keeps the page as it is.
func shootSizes(t *testing.T, a *tab, name, path, sel string) {
	t.Helper()
	for _, size := range []struct{ w, h int64 }{{1280, 900}, {390, 844}} {
		a.do(t, "viewport", chromedp.EmulateViewport(size.w, size.h))
		if path != "" {
			a.open(t, path, sel)
		}
		if over := eval[int](t, a, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
			t.Errorf("%s at %dx%d: the page is %dpx wider than the screen", name, size.w, size.h, over)
		}
		shoot(t, a, name+"-"+num(size.w))
	}
	a.do(t, "viewport", chromedp.EmulateViewport(1280, 900))
}

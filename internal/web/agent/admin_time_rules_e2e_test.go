package agent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/user"
)

// TestBrowserTimeRules builds a time rule in a real browser with the
// trigger form's script (rows added in place, operators fitting the
// field), sees a refusal next to the wait, saves it, and lists the
// tickets it would act on. No page scrolls sideways on a wide screen or a
// phone. With DOCKET_SCREENSHOTS set it saves screenshots there.
func TestBrowserTimeRules(t *testing.T) {
	c := newChrome(t, 90*time.Second)
	e := newE2EEnv(t)
	ctx := context.Background()
	if _, err := e.Users.Create(ctx, apptest.Setup, user.NewUser{Email: "ada@example.test", Name: "Ada Admin",
		Role: user.RoleAdmin, Password: e2ePassword}); err != nil {
		t.Fatal(err)
	}
	a := c.tab("ada", e.URL)
	a.signIn(t, "ada@example.test", e2ePassword, "/admin/time-rules/new", `#time-rule-form[data-rows="live"]`)
	a.do(t, "build the rule",
		chromedp.SetValue(chromedp.CSS("#trg-name"), "Nudge pending"),
		chromedp.SetValue(chromedp.CSS("#tr-amount"), "0"),
		choose("#tr-since", "status_changed"),
		chromedp.Click(chromedp.CSS("#add-all")),
		choose("#cond-all .trg-row:nth-child(1) .trg-field", "status"),
		chromedp.SetValue(chromedp.CSS("#cond-all .trg-row:nth-child(1) .trg-value"), "pending"),
		choose("#actions .trg-row:nth-child(1) .trg-type", "add_tags"),
		chromedp.SetValue(chromedp.CSS(`#actions .trg-row:nth-child(1) input[name="act.tags"]`), "nudged"))
	if eval[bool](t, a, `document.querySelector('#cond-all .trg-row:nth-child(1) .trg-op option[value="changed"]') !== null`) {
		t.Error("a time rule offers a change operator")
	}
	a.do(t, "a refused rule",
		chromedp.Click(chromedp.CSS("#save-time-rule")),
		chromedp.WaitVisible(chromedp.CSS("#err-minutes")))
	if got := eval[string](t, a, `document.querySelector("#cond-all .trg-row:nth-child(1) .trg-value").value`); got != "pending" {
		t.Errorf("after the refusal the condition's value is %q", got)
	}
	shootSizes(t, a, "time-rules-form-errors", "", "#err-minutes")
	a.do(t, "a saved rule",
		chromedp.SetValue(chromedp.CSS("#tr-amount"), "3"),
		choose("#tr-unit", "days"),
		chromedp.Click(chromedp.CSS("#save-time-rule")),
		chromedp.WaitVisible(chromedp.CSS("#show-due")))
	a.do(t, "due now", chromedp.Click(chromedp.CSS("#show-due")), chromedp.WaitVisible(chromedp.CSS("#due-none")))
	shootSizes(t, a, "time-rules-edit", "", "#due-none")
	shootSizes(t, a, "time-rules-list", "/admin/time-rules", "#time-rules")
	if got := a.text(t, "#time-rules"); !strings.Contains(got, "3 days since its status last changed") && !strings.Contains(got, "Nudge pending") {
		t.Errorf("the list reads %q", got)
	}
	a.noConsoleErrors(t, "status of 422")
}

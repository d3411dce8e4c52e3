package agent_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/user"
)

// TestBrowserBusinessHours creates a calendar in a real browser: a refused
// form keeps what was typed, the saved one answers the try-it box, and no
// page scrolls sideways on a wide screen or a phone. With
// DOCKET_SCREENSHOTS set it saves screenshots there.
func TestBrowserBusinessHours(t *testing.T) {
	c := newChrome(t, 60*time.Second)
	e := newE2EEnv(t)
	if _, err := e.Users.Create(context.Background(), apptest.Setup, user.NewUser{Email: "ada@example.test", Name: "Ada Admin",
		Role: user.RoleAdmin, Password: e2ePassword}); err != nil {
		t.Fatal(err)
	}
	a := c.tab("ada", e.URL)
	a.signIn(t, "ada@example.test", e2ePassword, "/admin/business-hours/new", "#calendar-form")
	a.do(t, "a refused calendar",
		chromedp.SetValue(chromedp.CSS("#cal-name"), "Service desk"),
		chromedp.SetValue(chromedp.CSS("#cal-zone"), "Europe/Berlinn"),
		chromedp.SetValue(chromedp.CSS(`input[name="iv-tuesday-1-start"]`), "16:00"),
		chromedp.SetValue(chromedp.CSS(`input[name="iv-tuesday-1-end"]`), "19:00"),
		chromedp.Submit(chromedp.CSS("#calendar-form")),
		chromedp.WaitVisible(chromedp.CSS(`#day-tuesday .err`)))
	if got := a.text(t, "#day-tuesday .err"); !strings.Contains(got, "Overlaps tuesday 09:00–17:00") {
		t.Errorf("the overlap error reads %q", got)
	}
	if got := eval[string](t, a, `document.querySelector("#cal-zone").value`); got != "Europe/Berlinn" {
		t.Errorf("the time zone field lost what was typed: %q", got)
	}
	shoot(t, a, "business-hours-errors")
	a.do(t, "a saved calendar",
		chromedp.SetValue(chromedp.CSS("#cal-zone"), "Europe/Berlin"),
		chromedp.SetValue(chromedp.CSS(`input[name="iv-tuesday-1-start"]`), "17:00"),
		chromedp.SetValue(chromedp.CSS(`input[name="iv-tuesday-1-end"]`), "19:00"),
		chromedp.Submit(chromedp.CSS("#calendar-form")),
		chromedp.WaitVisible(chromedp.CSS("#try-form")))
	a.do(t, "add a holiday",
		chromedp.SetValue(chromedp.CSS("#hol-name"), "Christmas"),
		chromedp.SetValue(chromedp.CSS("#hol-start"), "2026-12-24"),
		chromedp.SetValue(chromedp.CSS("#hol-end"), "2026-12-26"),
		chromedp.Click(chromedp.CSS(`input[name="holiday.yearly"]`)),
		chromedp.Submit(chromedp.CSS("#holiday-form")),
		chromedp.WaitVisible(chromedp.CSS("#holiday-list")))
	a.do(t, "try it",
		chromedp.SetValue(chromedp.CSS("#try-from"), "2026-12-23T16:00"),
		chromedp.SetValue(chromedp.CSS("#try-hours"), "4"),
		chromedp.Submit(chromedp.CSS("#try-form")),
		chromedp.WaitVisible(chromedp.CSS("#try-result")))
	// An hour on Wednesday, then Christmas and the weekend, then three on
	// Monday.
	if got := a.text(t, "#try-result"); !strings.Contains(got, "Mon 28 Dec 2026 12:00 CET") {
		t.Errorf("try it says %q, want Monday 28 December 12:00", got)
	}
	editor := a.location(t)
	for _, size := range []struct{ w, h int64 }{{1280, 900}, {390, 844}} {
		a.do(t, "viewport", chromedp.EmulateViewport(size.w, size.h))
		for _, page := range []struct{ name, path, sel string }{{"business-hours", "/admin/business-hours", "#calendars"},
			{"business-hours-edit", editor, "#try-result"}, {"business-hours-new", "/admin/business-hours/new", "#calendar-form"}} {
			a.open(t, page.path, page.sel)
			if over := eval[int](t, a, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
				t.Errorf("%s at %dx%d: the page is %dpx wider than the screen", page.name, size.w, size.h, over)
			}
			shoot(t, a, page.name+"-"+num(size.w))
		}
	}
	// The refused form answered 422, as it should.
	a.noConsoleErrors(t, "status of 422")
}

// shoot saves a full-page screenshot to DOCKET_SCREENSHOTS, when set.
func shoot(t *testing.T, tb *tab, name string) {
	t.Helper()
	dir := os.Getenv("DOCKET_SCREENSHOTS")
	if dir == "" {
		return
	}
	tb.saveScreenshots(t, dir, name)
}

package agent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// An agent writes an article with a live preview, publishes a change,
// compares the versions, and inserts a link to the article into a reply:
// in Chromium, at 1280 and 390 px. With DOCKET_SCREENSHOTS set it saves
// screenshots there.
func TestBrowserKnowledgeBase(t *testing.T) {
	c := newChrome(t, 60*time.Second)
	e := newE2EEnv(t)
	u, err := e.Users.Create(context.Background(), apptest.Setup, user.NewUser{Email: "kim@example.test", Name: "Kim Agent",
		Role: user.RoleAgent, Password: e2ePassword})
	if err != nil {
		t.Fatal(err)
	}
	agent, _ := e.Users.Actor(context.Background(), u.ID)
	tk := apptest.Ticket(t, e.Services, agent, func(n *ticket.NewTicket) { n.Subject = "Printer shows error 42" })
	a := c.tab("kim", e.URL)
	a.signIn(t, "kim@example.test", e2ePassword, "/articles/new", "#kb-form")
	a.do(t, "write",
		chromedp.SendKeys(chromedp.CSS("#title"), "Printer error 42"),
		chromedp.SendKeys(chromedp.CSS("#body"), "Open the **front panel**.\nRemove the jammed sheet."),
		chromedp.WaitVisible(chromedp.CSS("#preview strong")))
	shoot(t, a, "kb-new")
	a.do(t, "save", chromedp.SetValue(chromedp.CSS("#visibility"), "public"), chromedp.Click(chromedp.CSS("#kb-save")),
		chromedp.WaitVisible(chromedp.CSS("#kb-info")))
	editor := a.location(t)
	a.do(t, "publish a change",
		chromedp.SetValue(chromedp.CSS("#body"), "Open the **front panel**.\nPull the jammed sheet out slowly."),
		chromedp.SetValue(chromedp.CSS("#status"), "published"), chromedp.Click(chromedp.CSS("#kb-save")),
		chromedp.WaitVisible(chromedp.CSS("#kb-view")))
	a.open(t, editor+"/versions", "#kb-diff")
	if got := a.text(t, "#kb-diff .d-add"); !strings.Contains(got, "Pull the jammed sheet out slowly.") {
		t.Errorf("the diff adds %q", got)
	}
	a.open(t, "/tickets/"+num(tk.Number), "#kb-pick")
	a.do(t, "find the article", chromedp.SendKeys(chromedp.CSS("#kb-pick"), "printer"),
		chromedp.WaitVisible(chromedp.CSS("#kb-pick-results button")))
	shoot(t, a, "kb-reply-picker")
	a.do(t, "insert its link", chromedp.Click(chromedp.CSS("#kb-pick-results button")))
	if got := eval[string](t, a, `document.querySelector("#body").value`); !strings.Contains(got, "[Printer error 42](http") ||
		!strings.Contains(got, "/kb/articles/printer-error-42)") {
		t.Errorf("the reply box holds %q", got)
	}
	for _, size := range []struct{ w, h int64 }{{1280, 900}, {390, 844}} {
		a.do(t, "viewport", chromedp.EmulateViewport(size.w, size.h))
		for _, page := range []struct{ name, path, sel string }{{"kb-list", "/articles", "#kb-list"},
			{"kb-edit", editor, "#kb-form"}, {"kb-versions", editor + "/versions", "#kb-diff"}} {
			a.open(t, page.path, page.sel)
			if over := eval[int](t, a, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
				t.Errorf("%s at %dx%d: the page is %dpx wider than the screen", page.name, size.w, size.h, over)
			}
			shoot(t, a, page.name+"-"+num(size.w))
		}
	}
	a.noConsoleErrors(t)
}

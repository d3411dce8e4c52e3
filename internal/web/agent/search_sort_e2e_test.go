package agent_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestBrowserQueueRelevanceMenu: in a browser, a search's sort menu lists
// Relevance and following it lists the best match first, at desktop and
// phone widths without sideways scrolling.
func TestBrowserQueueRelevanceMenu(t *testing.T) {
	c := newChrome(t, 60*time.Second)
	e := newE2EEnv(t)
	ada, err := e.Users.Create(context.Background(), apptest.Setup, user.NewUser{Email: "ada@example.test", Name: "Ada Admin",
		Role: user.RoleAdmin, Password: e2ePassword})
	if err != nil {
		t.Fatal(err)
	}
	actor, err := e.Users.Actor(context.Background(), ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	for subject, body := range map[string]string{"Printer once": "the printer", "Printer often": "printer printer printer printer jam"} {
		apptest.Ticket(t, e.Services, actor, func(n *ticket.NewTicket) { n.Subject, n.Body = subject, body })
	}
	a := c.tab("ada", e.URL)
	a.signIn(t, "ada@example.test", e2ePassword, "/tickets?view=all&q=printer", "#queue")
	for _, size := range []struct{ w, h int64 }{{1280, 900}, {390, 844}} {
		a.do(t, "viewport", chromedp.EmulateViewport(size.w, size.h))
		a.open(t, "/tickets?view=all&q=printer", "#queue")
		a.do(t, "open the sort menu", chromedp.Click(chromedp.CSS("details.sort summary")),
			chromedp.WaitVisible(chromedp.CSS(`details.sort a[href*="sort=relevance"]`)))
		shoot(t, a, "queue-sort-menu-"+num(size.w))
		a.do(t, "sort by relevance", chromedp.Click(chromedp.CSS(`details.sort a[href*="sort=relevance"]`)),
			chromedp.WaitVisible(chromedp.CSS(`details.sort a[aria-current="true"][href*="sort=relevance"]`)))
		if got := a.text(t, "td.subj a"); got != "Printer often" {
			t.Errorf("at %d px the first ticket by relevance is %q", size.w, got)
		}
		if over := eval[int](t, a, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
			t.Errorf("at %d px the queue is %dpx wider than the screen", size.w, over)
		}
		shoot(t, a, "queue-relevance-"+num(size.w))
	}
}

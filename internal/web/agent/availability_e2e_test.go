package agent_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/assign"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestBrowserAvailabilityMenu sets an agent's availability from the
// header's menu, on a wide screen and a phone: away, and back to
// available, which hands them the ticket that waited in their team's
// queue. With DOCKET_SCREENSHOTS set it saves screenshots there.
func TestBrowserAvailabilityMenu(t *testing.T) {
	c := newChrome(t, 90*time.Second)
	e := newE2EEnv(t)
	ctx := context.Background()
	name, members := "Service Desk", []string{e.alice.Email}
	tm, err := e.Users.CreateTeam(ctx, e.Admin, user.TeamInput{Name: &name, Members: &members})
	if err != nil {
		t.Fatal(err)
	}
	strategy, cap := assign.RoundRobin, 20
	if _, err := e.Assign.Update(ctx, e.Admin, tm.ID, assign.Input{Strategy: &strategy, Cap: &cap}); err != nil {
		t.Fatal(err)
	}
	avail := func() string {
		av, err := e.Assign.Availability(ctx, e.alice, e.alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		return av.Status
	}
	a := c.tab("alice", e.URL)
	a.signIn(t, "alice@example.test", e2ePassword, "/tickets?view=open", "#queue")
	if got := a.text(t, "#availability summary"); !strings.Contains(got, "Available") {
		t.Fatalf("the header says %q, want Available", got)
	}
	a.do(t, "choose away",
		chromedp.Click(chromedp.CSS("#availability summary")),
		chromedp.WaitVisible(chromedp.CSS("#avail-away")),
		chromedp.Click(chromedp.CSS("#avail-away")),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	if loc := a.location(t); loc != "/tickets?view=open" {
		t.Errorf("after choosing, the page is %s, want the queue again", loc)
	}
	if got := a.text(t, "#availability summary"); !strings.Contains(got, "Away") || avail() != assign.Away {
		t.Fatalf("after choosing away: header %q, stored %s", got, avail())
	}
	tk := apptest.Ticket(t, e.Services, e.Admin, func(in *ticket.NewTicket) { in.Team = name })

	dir := os.Getenv("DOCKET_SCREENSHOTS")
	for _, size := range []struct{ w, h int64 }{{1280, 900}, {390, 844}} {
		a.do(t, "viewport", chromedp.EmulateViewport(size.w, size.h))
		a.open(t, "/tickets/"+num(tk.Number), "#ticket")
		a.do(t, "open the menu", chromedp.Click(chromedp.CSS("#availability summary")), chromedp.WaitVisible(chromedp.CSS("#avail-available")))
		if over := eval[int](t, a, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
			t.Errorf("at %dx%d with the menu open the page is %dpx wider than the screen", size.w, size.h, over)
		}
		if off := eval[float64](t, a, `document.querySelector(".avail-menu").getBoundingClientRect().left`); off < 0 {
			t.Errorf("at %dx%d the menu starts %.0fpx off the screen", size.w, size.h, -off)
		}
		if dir != "" {
			a.saveScreenshots(t, dir, "availability-menu-"+num(size.w)+"x"+num(size.h))
		}
	}
	// Back to available, from the ticket page: the waiting ticket is hers.
	a.do(t, "choose available", chromedp.Click(chromedp.CSS("#avail-available")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if loc := a.location(t); loc != "/tickets/"+num(tk.Number) {
		t.Errorf("after choosing, the page is %s, want the ticket again", loc)
	}
	if avail() != assign.Available {
		t.Fatalf("stored availability %s after choosing available", avail())
	}
	apptest.Settle(t, e.Services, assign.ConsumerName)
	if got, err := e.Tickets.Load(ctx, e.DB.R, tk.Number); err != nil || got.Assignee == nil || got.Assignee.Email != e.alice.Email {
		t.Fatalf("the waiting ticket was not assigned to Alice once she was available (%v)", err)
	}
	if dir != "" {
		// The team's page, for the admin, with the assignment section.
		ada := c.tab("ada", e.URL)
		if _, err := e.Users.Update(ctx, apptest.Setup, e.Admin.ID, user.Patch{Password: ptrTo(e2ePassword)}); err != nil {
			t.Fatal(err)
		}
		ada.signIn(t, e.Admin.Email, e2ePassword, "/admin/teams/"+num(tm.ID), "#assignment")
		for _, size := range []struct{ w, h int64 }{{1280, 900}, {390, 844}} {
			ada.do(t, "viewport", chromedp.EmulateViewport(size.w, size.h))
			ada.open(t, "/admin/teams/"+num(tm.ID)+"#assignment", "#assignment")
			ada.saveScreenshots(t, dir, "team-assignment-"+num(size.w)+"x"+num(size.h))
		}
	}
	a.noConsoleErrors(t)
}

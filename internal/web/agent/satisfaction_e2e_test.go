package agent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/satisfaction"
	"github.com/docket/docket/internal/user"
)

// TestBrowserSatisfaction opens, in a real browser, what an agent sees of
// the requesters' ratings: the rating on the ticket page, their CSAT in
// the profile and the satisfaction report; and, as an admin, the settings.
func TestBrowserSatisfaction(t *testing.T) {
	c := newChrome(t, 60*time.Second)
	e := newE2EEnv(t)
	ctx := context.Background()
	now := time.Now()
	var rated []int64
	for i, score := range []string{"good", "good", "bad", "good"} {
		tk := apptest.RatedTicket(t, e.Services, e.Admin, e.alice.Email, "", score, now.Add(-time.Duration(i)*24*time.Hour))
		rated = append(rated, tk.Number)
	}
	bad, err := e.Tickets.Get(ctx, e.Admin, rated[2])
	if err != nil {
		t.Fatal(err)
	}
	req, err := e.Users.Actor(ctx, bad.Requester.ID)
	if err != nil {
		t.Fatal(err)
	}
	comment := "It took three days and nobody told me what was going on."
	if _, err := e.Satisfaction.Rate(ctx, req, bad.ID, satisfaction.Input{Comment: &comment}); err != nil {
		t.Fatal(err)
	}
	a := c.tab("alice", e.URL)
	a.signIn(t, "alice@example.test", e2ePassword, "/tickets/"+num(bad.Number), "#satisfaction")
	if got := a.text(t, "#satisfaction-score"); got != "Bad, I'm unsatisfied" {
		t.Errorf("ticket page rating %q", got)
	}
	if got := a.text(t, "#satisfaction-comment"); got != comment {
		t.Errorf("ticket page comment %q", got)
	}
	a.screenshots(t, "satisfaction-ticket")
	a.open(t, "/profile", "#csat")
	if got := a.text(t, "#csat .csat-percent"); got != "75.0 %" {
		t.Errorf("profile CSAT %q", got)
	}
	a.screenshots(t, "satisfaction-profile")
	a.open(t, "/admin/reports/satisfaction?group_by=day", "#report")
	if got := a.text(t, "#report tfoot"); !strings.Contains(got, "75.0 %") {
		t.Errorf("report total %q", got)
	}
	a.screenshots(t, "satisfaction-report")
	a.noConsoleErrors(t)
	admin, err := e.Users.Create(ctx, apptest.Setup, user.NewUser{Email: "ada@example.test", Name: "Ada Admin", Role: user.RoleAdmin, Password: e2ePassword})
	if err != nil {
		t.Fatal(err)
	}
	ad := c.tab("ada", e.URL)
	ad.signIn(t, admin.Email, e2ePassword, "/admin/satisfaction", "#satisfaction-form")
	ad.screenshots(t, "satisfaction-settings")
}

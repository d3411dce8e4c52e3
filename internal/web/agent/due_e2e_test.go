package agent_test

import (
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/ticket"
)

// TestBrowserDueCountdown watches a queue row's SLA clock in a real
// browser: at risk when the page loads, it turns red ("overdue") by itself
// at its due instant, without a reload; a calm row stays green.
func TestBrowserDueCountdown(t *testing.T) {
	c := newChrome(t, 60*time.Second)
	e := newE2EEnv(t)
	now := time.Now()
	mk := func(subject string, clk apptest.Clock) *ticket.Ticket {
		tk := apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Subject = subject })
		clk.Target, clk.Goal = "resolution", 60
		apptest.SLAClock(t, e.Services, tk.ID, clk)
		return tk
	}
	calm := mk("Due next week", apptest.Clock{Warn: apptest.At(now.Add(5 * 24 * time.Hour)), Due: apptest.At(now.Add(7*24*time.Hour + time.Minute))})
	a := c.tab("alice", e.URL)
	a.signIn(t, "alice@example.test", e2ePassword, "/tickets", "#queue")
	// The soon-due clock starts after the sign-in, which can take seconds on
	// a loaded machine, so the queue shows it before its due instant.
	due := time.Now().Add(5 * time.Second)
	soon := mk("Due in five seconds", apptest.Clock{Warn: apptest.At(now.Add(-time.Minute)), Due: apptest.At(due)})
	a.open(t, "/tickets?view=open&sort=due_at", "#queue")
	cell := `document.querySelector("tr[data-number='` + num(soon.Number) + `'] .due")`
	cls := eval[string](t, a, cell+`.className`)
	switch {
	case !time.Now().Before(due):
		t.Logf("the queue answered after the due instant (a loaded machine): only the red clock is checked")
	case cls != "due due-at_risk":
		t.Fatalf("before the due instant the clock is %q", cls)
	}
	a.screenshots(t, "queue-due")
	a.waitJS(t, "the clock turns red", cell+`.classList.contains("due-breached") && !`+cell+`.classList.contains("due-at_risk")`)
	if text := eval[string](t, a, cell+`.textContent`); !strings.HasPrefix(text, "overdue") {
		t.Errorf("after the due instant the clock says %q", text)
	}
	calmCell := `document.querySelector("tr[data-number='` + num(calm.Number) + `'] .due")`
	if text := eval[string](t, a, calmCell+`.className + " " + `+calmCell+`.textContent`); text != "due due-on_track in 7 d" {
		t.Errorf("the calm row: %q", text)
	}
	if n := eval[int](t, a, `performance.getEntriesByType("navigation").length`); n != 1 {
		t.Errorf("the page navigated %d times", n)
	}
	a.noConsoleErrors(t)
	// The report page, for the screenshots.
	for i, policy := range []string{"Standard", "VIP customers"} {
		id := apptest.SLAPolicy(t, e.Services, policy)
		for j := 0; j < 5+3*i; j++ {
			tk := apptest.Ticket(t, e.Services, e.Admin)
			stop := now.Add(-time.Duration(j+1) * time.Hour)
			for _, target := range []string{"first_response", "resolution"} {
				clk := apptest.Clock{Target: target, PolicyID: id, Goal: 60, Started: stop.Add(-2 * time.Hour), Stopped: &stop}
				if (j+i)%4 == 0 && target == "resolution" || j == 2 && target == "first_response" {
					clk.Breached = apptest.At(stop.Add(-time.Minute))
				}
				apptest.SLAClock(t, e.Services, tk.ID, clk)
			}
		}
	}
	a.open(t, "/admin/reports/sla", "#report")
	if rows := eval[int](t, a, `document.querySelectorAll("#report tbody tr").length`); rows != 2 {
		t.Errorf("the report has %d rows", rows)
	}
	a.screenshots(t, "sla-report")
}

package agent_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/bizhours"
	"github.com/docket/docket/internal/calendar"
	"github.com/docket/docket/internal/sla"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestBrowserSLAClock watches a ticket's clock count down in the browser
// and turn red when its due time passes, and checks the SLA pages fit a
// wide screen and a phone. With DOCKET_SCREENSHOTS set it saves
// screenshots there.
func TestBrowserSLAClock(t *testing.T) {
	c := newChrome(t, 90*time.Second)
	e := newE2EEnv(t)
	ctx := context.Background()
	if _, err := e.Users.Create(ctx, apptest.Setup, user.NewUser{Email: "ada@example.test", Name: "Ada Admin",
		Role: user.RoleAdmin, Password: e2ePassword}); err != nil {
		t.Fatal(err)
	}
	var ivs []bizhours.IntervalSpec
	for _, d := range bizhours.Weekdays {
		ivs = append(ivs, bizhours.IntervalSpec{Day: bizhours.DayName(d), Start: "00:00", End: "24:00"})
	}
	name, zone := "Round the clock", "UTC"
	cal, err := e.Calendars.Create(ctx, e.Admin, calendar.Input{Name: &name, TimeZone: &zone, Intervals: &ivs})
	if err != nil {
		t.Fatal(err)
	}
	pname := "Hot desk"
	targets := []sla.TargetInput{{Priority: "p1", FirstResponse: ptrInt(2), Resolution: ptrInt(240)},
		{Priority: "p3", FirstResponse: ptrInt(240), NextResponse: ptrInt(480), Resolution: ptrInt(2400)}}
	conds := []sla.ConditionInput{{Field: "type", Op: "is", Value: "incident"}}
	p, err := e.SLA.Create(ctx, e.Admin, sla.Input{Name: &pname, CalendarID: &cal.ID, Targets: &targets, Conditions: &conds,
		Escalation: &sla.EscalationInput{Notify: true}})
	if err != nil {
		t.Fatal(err)
	}
	tk := apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Priority = "p1"; n.Subject = "Payroll export fails" })

	a := c.tab("ada", e.URL)
	page := "/tickets/" + strconv.FormatInt(tk.Number, 10)
	a.signIn(t, "ada@example.test", e2ePassword, page, "#sla")
	if got := a.text(t, "#sla-policy"); got != "Hot desk" {
		t.Errorf("policy shown %q", got)
	}
	if got := a.text(t, "#sla-first_response .sla-left"); got != "2 min left" && got != "1 min left" {
		t.Errorf("first response shows %q", got)
	}
	shoot(t, a, "sla-ticket-running")
	// A minute passes in the browser: the clock counts down without a
	// reload; past the due time it turns red and counts the overdue time.
	a.do(t, "a minute later", chromedp.Evaluate[chromedp.Void](`(() => { const real = Date.now; Date.now = () => real() + 61000; })()`))
	a.waitJS(t, "counted down", `/^(1 min|0 min) left$/.test(document.querySelector("#sla-first_response .sla-left").textContent)`)
	a.do(t, "past the due time", chromedp.Evaluate[chromedp.Void](`(() => { const real = Date.now; Date.now = () => real() + 180000; })()`))
	a.waitJS(t, "turned red", `document.querySelector("#sla-first_response").classList.contains("sla-overdue")`)
	if got := a.text(t, "#sla-first_response .sla-left"); !strings.HasSuffix(got, "overdue") {
		t.Errorf("overdue clock shows %q", got)
	}
	color := eval[string](t, a, `getComputedStyle(document.querySelector("#sla-first_response .sla-left")).color`)
	if color != "rgb(180, 35, 24)" {
		t.Errorf("overdue clock is %s, not red", color)
	}
	shoot(t, a, "sla-ticket-overdue")
	for _, size := range []struct{ w, h int64 }{{1280, 900}, {390, 844}} {
		a.do(t, "viewport", chromedp.EmulateViewport(size.w, size.h))
		for _, pg := range []struct{ name, path, sel string }{{"sla-ticket", page, "#sla"},
			{"sla-policies", "/admin/sla-policies", "#policies"},
			{"sla-policy-edit", "/admin/sla-policies/" + strconv.FormatInt(p.ID, 10), "#policy-form"}} {
			a.open(t, pg.path, pg.sel)
			if over := eval[int](t, a, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
				t.Errorf("%s at %dx%d: the page is %dpx wider than the screen", pg.name, size.w, size.h, over)
			}
			shoot(t, a, pg.name+"-"+num(size.w))
		}
	}
	a.noConsoleErrors(t)
}

func ptrInt(n int) *int { return &n }

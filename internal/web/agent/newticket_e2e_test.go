package agent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/docket/docket/internal/ticket"
)

// TestBrowserNewTicketForm: the New-ticket form shows the custom fields of
// the chosen type and category as they change, so an incident's required
// field never stops a request; a refused form keeps what was typed and
// starts at the field to fix; a phone call can be logged as resolved.
func TestBrowserNewTicketForm(t *testing.T) {
	c := newChrome(t, 90*time.Second)
	e := newE2EEnv(t)
	formFieldDefs(t, e.Env)
	a := c.tab("alice", e.URL)
	a.signIn(t, "alice@example.test", e2ePassword, "/tickets/new", "#new-form")
	shown := func() string {
		return eval[string](t, a, `[...document.querySelectorAll("#new-form .cfield")].filter(f => !f.hidden).map(f => f.querySelector("[name^='cf.']").name).join(",")`)
	}
	if s := shown(); s != "cf.outage_start" {
		t.Errorf("an incident shows %q, want its own field only", s)
	}
	a.do(t, "fill in a request",
		chromedp.SendKeys(chromedp.CSS("#requester"), "sam@example.test"),
		chromedp.SendKeys(chromedp.CSS("#subject"), "A second monitor"),
		chromedp.SendKeys(chromedp.CSS("#nbody"), "For the new desk."),
		chromedp.SetValue(chromedp.CSS("#n-type"), "request"))
	eval[bool](t, a, `document.getElementById("n-type").dispatchEvent(new Event("change"))`)
	if s := shown(); s != "" {
		t.Errorf("a request shows %q, want no custom field", s)
	}
	if eval[bool](t, a, `!document.getElementById("n-details").hidden`) {
		t.Error("the Details heading shows with no field under it")
	}
	a.do(t, "choose Hardware", chromedp.SetValue(chromedp.CSS("#n-category"), "Hardware"))
	eval[bool](t, a, `document.getElementById("n-category").dispatchEvent(new Event("change"))`)
	if s := shown(); s != "cf.asset_tag" {
		t.Errorf("a Hardware request shows %q, want the asset tag", s)
	}
	if eval[bool](t, a, `document.getElementById("new-form").checkValidity()`) {
		t.Error("the browser does not require the Hardware asset tag")
	}
	a.do(t, "fill the asset tag, type a bad tag and create",
		chromedp.SendKeys(chromedp.CSS("#cf-asset_tag"), "HW-7"),
		chromedp.SendKeys(chromedp.CSS("#n-tags"), "desk, <x>"),
		chromedp.Click(chromedp.CSS("#create")),
		chromedp.WaitVisible(chromedp.CSS("#form-errors")))
	if got := eval[string](t, a, `document.activeElement.id + " " + document.activeElement.getAttribute("aria-describedby")`); got != "n-tags err-tags" {
		t.Errorf("after the refusal the focus is on %q, want the tags field and its error", got)
	}
	if v := eval[string](t, a, `document.getElementById("cf-asset_tag").value + "|" + document.getElementById("n-type").value`); v != "HW-7|request" {
		t.Errorf("the refused form kept %q", v)
	}
	if n := eval[int](t, a, `document.querySelectorAll("#new-form .err").length`); n != 1 {
		t.Errorf("%d error messages on the form, want 1", n)
	}
	a.do(t, "fix the tags and create",
		chromedp.SetValue(chromedp.CSS("#n-tags"), "desk"),
		chromedp.Click(chromedp.CSS("#create")),
		chromedp.WaitVisible(chromedp.CSS("#ticket")))
	n, _ := ticket.ParseNumber(strings.TrimPrefix(a.location(t), "/tickets/"))
	tk, err := e.Tickets.Get(context.Background(), e.Admin, n)
	if err != nil || tk.Type != ticket.Request || tk.CustomFields["asset_tag"] != "HW-7" || tk.CustomFields["outage_start"] != nil {
		t.Fatalf("created %+v (%v)", tk, err)
	}

	// A call dealt with on the phone.
	a.open(t, "/tickets/new?channel=phone", "#new-form")
	if eval[bool](t, a, `!document.querySelector("#n-resolution").closest(".when-resolved").hidden`) {
		t.Error("the resolution shows for a new call")
	}
	a.do(t, "log a resolved call",
		chromedp.SendKeys(chromedp.CSS("#requester"), "sam@example.test"),
		chromedp.SendKeys(chromedp.CSS("#subject"), "Password reset"),
		chromedp.SendKeys(chromedp.CSS("#nbody"), "Locked out after the holidays."),
		chromedp.SendKeys(chromedp.CSS("#cf-outage_start"), "08:00"),
		chromedp.SetValue(chromedp.CSS("#n-impact"), "low"),
		chromedp.SetValue(chromedp.CSS("#n-urgency"), "high"),
		chromedp.SetValue(chromedp.CSS("#n-status"), "resolved"))
	eval[bool](t, a, `["n-impact", "n-urgency", "n-status"].every(id => document.getElementById(id).dispatchEvent(new Event("change")))`)
	if p := eval[string](t, a, `document.getElementById("n-priority-auto").textContent`); !strings.HasPrefix(p, "p3") {
		t.Errorf("low impact × high urgency shows priority %q, want p3", p)
	}
	a.do(t, "choose the resolution and log",
		chromedp.SetValue(chromedp.CSS("#n-resolution"), "fixed"),
		chromedp.Click(chromedp.CSS("#create")),
		chromedp.WaitVisible(chromedp.CSS("#ticket")))
	n, _ = ticket.ParseNumber(strings.TrimPrefix(a.location(t), "/tickets/"))
	tk, _ = e.Tickets.Get(context.Background(), e.Admin, n)
	if tk.Status != ticket.StatusResolved || tk.Resolution != ticket.ResolutionFixed || tk.Channel != ticket.ChannelPhone || tk.Priority != ticket.P3 {
		t.Errorf("logged call: %s %s %s %s", tk.Status, tk.Resolution, tk.Channel, tk.Priority)
	}
	a.noConsoleErrors(t, "status of 422")
}

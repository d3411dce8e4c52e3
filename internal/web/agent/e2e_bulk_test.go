package agent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/ticket"
)

// TestBrowserBulkAllMatching walks bulk work on a queue longer than a page:
// tick the page, take every ticket matching, have the action refused and
// find the selection and the chosen values still there, then apply it.
func TestBrowserBulkAllMatching(t *testing.T) {
	c := newChrome(t, 90*time.Second)
	e := newE2EEnv(t)
	const total = 53 // more than the 50 rows of a page
	var batch []*ticket.Ticket
	for i := 0; i < total; i++ {
		batch = append(batch, apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Tags = []string{"batch"} }))
	}
	// A queue refreshes its list when a ticket it shows changes: each page
	// is opened once the changes before it are announced.
	e.quiet(t)
	a := c.tab("alice", e.URL)
	a.signIn(t, "alice@example.test", e2ePassword, "/tickets?q=tag:batch", "#queue")
	checked := func() int {
		return eval[int](t, a, `document.querySelectorAll("input[name=n]:checked").length`)
	}

	t.Run("select all matching, refused, kept", func(t *testing.T) {
		if n := eval[int](t, a, `document.querySelectorAll("input[name=n]").length`); n != 50 {
			t.Fatalf("the page has %d rows, want 50", n)
		}
		a.do(t, "tick the page", chromedp.Click(chromedp.CSS("#pick-page")), chromedp.WaitVisible(chromedp.CSS("#pickall-note")))
		if n := checked(); n != 50 {
			t.Fatalf("%d rows ticked after ticking the page", n)
		}
		if s := a.text(t, "#pickall-note"); !strings.Contains(s, "Select all 53 matching") {
			t.Fatalf("the note says %q", s)
		}
		a.do(t, "take all matching", chromedp.Click(chromedp.CSS("#pick-matching")), chromedp.WaitVisible(chromedp.CSS("#bulk-apply")))
		if !eval[bool](t, a, `document.getElementById("scope-all").checked && document.getElementById("pickall-note").hidden`) {
			t.Fatal("all matching is not chosen")
		}
		// Resolving without a resolution is refused for every ticket.
		a.do(t, "resolve without a resolution",
			chromedp.SetValue(chromedp.CSS("select[name=status]"), "resolved"),
			chromedp.SendKeys(chromedp.CSS("input[name=add_tag]"), "later"),
			chromedp.Click(chromedp.CSS("#bulk-apply")),
			chromedp.WaitVisible(chromedp.CSS("#bulk-errors")))
		if s := a.text(t, "#bulk-errors"); !strings.Contains(s, "Resolution is required") || !strings.Contains(s, "and 43 more") || strings.Count(s, "Resolution") != 1 {
			t.Errorf("bulk errors: %q", s)
		}
		if loc := a.location(t); loc != "/tickets?q=tag:batch" {
			t.Errorf("after the refusal the address is %s", loc)
		}
		kept := eval[string](t, a, `[document.getElementById("scope-all").checked, document.querySelector("select[name=status]").value,
			document.querySelector("input[name=add_tag]").value, document.getElementById("bulkbar").open].join(",")`)
		if kept != "true,resolved,later,true" {
			t.Errorf("after the refusal scope, status, tag and bar are %s", kept)
		}
		if n := checked(); n != 50 {
			t.Errorf("%d rows ticked after the refusal, want 50", n)
		}
		// With a resolution it goes through, for all 53.
		a.do(t, "resolve as fixed",
			chromedp.SetValue(chromedp.CSS("select[name=resolution]"), "fixed"),
			chromedp.Click(chromedp.CSS("#bulk-apply")))
		a.waitJS(t, "the outcome", `(document.querySelector(".flash")?.textContent ?? "").includes("53 ticket(s) changed")`)
		for _, tk := range batch {
			got, err := e.Tickets.Get(context.Background(), e.Admin, tk.Number)
			if err != nil || got.Status != ticket.StatusResolved || !strings.Contains(strings.Join(got.Tags, ","), "later") {
				t.Fatalf("ticket %d after the bulk action: %+v %v", tk.Number, got, err)
			}
		}
	})

	t.Run("ticked rows kept after a refusal", func(t *testing.T) {
		e.quiet(t)
		a.open(t, "/tickets?q=tag:batch", "#bulk")
		first := eval[[]string](t, a, `[...document.querySelectorAll("input[name=n]")].slice(0, 2).map(b => b.value)`)
		a.do(t, "tick two, merge into nonsense",
			chromedp.Click(chromedp.CSS(`input[name=n][value="`+first[0]+`"]`)),
			chromedp.Click(chromedp.CSS(`input[name=n][value="`+first[1]+`"]`)),
			chromedp.Click(chromedp.CSS("#bulkbar summary")),
			chromedp.SendKeys(chromedp.CSS("input[name=merge_into]"), "abc"),
			chromedp.Click(chromedp.CSS("#bulk-apply")),
			chromedp.WaitVisible(chromedp.CSS("#bulk-errors")))
		got := eval[[]string](t, a, `[...document.querySelectorAll("input[name=n]:checked")].map(b => b.value)`)
		if strings.Join(got, ",") != strings.Join(first, ",") {
			t.Errorf("ticked after the refusal: %v, want %v", got, first)
		}
		if v := eval[string](t, a, `document.querySelector("input[name=merge_into]").value + "|" + document.getElementById("scope-selected").checked`); v != "abc|true" {
			t.Errorf("merge target and scope after the refusal: %s", v)
		}
	})
	a.noConsoleErrors(t, "status of 422")
}

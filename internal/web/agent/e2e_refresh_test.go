package agent_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/docket/docket/internal/apptest"
)

// TestBrowserQueueRefreshKeepsTyping: a queue refreshes its list when a
// ticket changes, and what the agent types into the bulk bar while the
// refreshed list is on its way is kept, in the field they were typing in,
// focused. The bulk form used to be read before the fetch and written back
// after it, so the letters typed meanwhile were lost, and the field they
// were typed in was replaced without focus.
func TestBrowserQueueRefreshKeepsTyping(t *testing.T) {
	c := newChrome(t, 60*time.Second)
	e := newE2EEnv(t)
	for range 3 {
		apptest.Ticket(t, e.Services, e.Admin)
	}
	e.quiet(t)
	a := c.tab("alice", e.URL)
	a.signIn(t, "alice@example.test", e2ePassword, "/tickets", "#queue")
	// The page's fetches are held 800 ms, long enough to type during one.
	eval[bool](t, a, `(() => {
		window.fetches = 0;
		const f = window.fetch;
		window.fetch = (...args) => { window.fetches++; return new Promise(r => setTimeout(r, 800)).then(() => f(...args)); };
		document.addEventListener("docket:refreshed", () => { window.refreshed = true; });
		return true;
	})()`)
	a.do(t, "open the bulk bar and type",
		chromedp.Click(chromedp.CSS("#bulkbar summary")),
		chromedp.SendKeys(chromedp.CSS("input[name=merge_into]"), "ab"))
	eval[bool](t, a, `document.querySelector("input[name=merge_into]").old = true`)
	apptest.Ticket(t, e.Services, e.Admin) // the queue hears of it and refreshes
	a.waitJS(t, "the refresh's fetch", `window.fetches > 0`)
	a.do(t, "type on while it is fetched", chromedp.SendKeys(chromedp.CSS("input[name=merge_into]"), "cd"))
	a.waitJS(t, "the refresh", `window.refreshed === true`)
	got := eval[string](t, a, `(() => {
		const el = document.querySelector("input[name=merge_into]");
		return [el.old === true ? "old field" : "new field", el.value, document.activeElement === el ? "focused" : "not focused"].join(",");
	})()`)
	if got != "new field,abcd,focused" {
		t.Errorf("after the refresh the bulk bar's field is %s, want new field,abcd,focused", got)
	}
	a.noConsoleErrors(t)
}

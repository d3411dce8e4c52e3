package agent_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/ticket"
)

// TestBrowserBell: two instances share one PostgreSQL database. Bob,
// working through instance A, mentions Alice and assigns her a ticket;
// the bell on Alice's open page, served by instance C, counts each one
// without a reload. Her bell's panel lists them; "Mark read" and "Mark all
// read" bring the count back to none.
func TestBrowserBell(t *testing.T) {
	c := newChrome(t, 90*time.Second)
	instA, instC, mk := twoInstances(t)
	ctx := context.Background()
	mk("alice@example.test", "Alice Archer")
	bob := mk("bob@example.test", "Bob Baker")
	tk := apptest.Ticket(t, instA.Services, instA.Admin, func(n *ticket.NewTicket) { n.Subject = "Badge reader <b>broken</b>" })

	alice := c.tab("alice", instC.URL)
	alice.signIn(t, "alice@example.test", e2ePassword, "/tickets?view=open", "#queue")
	if !eval[bool](t, alice, `document.getElementById("bell-panel").textContent.includes("Nothing new.")`) {
		t.Fatal("the bell's panel does not say there is nothing")
	}
	if eval[bool](t, alice, `!document.getElementById("unread").hidden`) {
		t.Fatal("the bell counts something before anything happened")
	}
	eval[bool](t, alice, `window.e2eMarker = true`)

	// Bob's note on instance A mentions Alice: her bell on C counts it.
	if _, err := instA.Tickets.Reply(ctx, bob, tk.Number, ticket.NewReply{Body: "@alice you fixed this last time?", Internal: true}); err != nil {
		t.Fatal(err)
	}
	alice.waitJS(t, "the bell counting the mention", `document.getElementById("unread").textContent === "1" && !document.getElementById("unread").hidden`)
	alice.waitJS(t, "the mention in the bell's panel",
		`(document.getElementById("bell-list") || {textContent: ""}).textContent.includes("Bob Baker mentioned you on")`)
	if !eval[bool](t, alice, `window.e2eMarker === true`) {
		t.Error("Alice's page reloaded; the bell must count in place")
	}
	if got := eval[string](t, alice, `document.getElementById("bell-button").getAttribute("aria-label")`); got != "Notifications, 1 unread" {
		t.Errorf("the bell's label is %q", got)
	}
	if !eval[bool](t, alice, `document.getElementById("bell-list").innerHTML.includes("Badge reader &lt;b&gt;broken&lt;/b&gt;")`) {
		t.Error("the subject is not escaped in the bell's panel")
	}

	// An assignment by Bob counts too.
	if _, err := instA.Tickets.Update(ctx, bob, tk.Number, ticket.Patch{Assignee: ptrTo("alice@example.test")}, 0); err != nil {
		t.Fatal(err)
	}
	alice.waitJS(t, "the bell counting the assignment", `document.getElementById("unread").textContent === "2"`)

	// Mark one read from the panel, then all.
	alice.do(t, "open the bell", chromedp.Click(chromedp.CSS("#bell-button")), chromedp.WaitVisible(chromedp.CSS("#bell-list .bell-mark")))
	alice.do(t, "mark one read", chromedp.Click(chromedp.CSS("#bell-list .bell-mark")), chromedp.WaitReady(chromedp.CSS("#queue")))
	alice.waitJS(t, "one left", `document.getElementById("unread").textContent === "1"`)
	if loc := alice.location(t); loc != "/tickets?view=open" {
		t.Errorf("marking read left the page for %s", loc)
	}
	alice.do(t, "mark all read", chromedp.Click(chromedp.CSS("#bell-button")), chromedp.Click(chromedp.CSS("#bell-read-all")),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	alice.waitJS(t, "none left", `document.getElementById("unread").hidden && document.getElementById("unread").textContent === "0"`)
	alice.noConsoleErrors(t)
}

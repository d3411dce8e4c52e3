package agent_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestBrowserLiveAcrossInstances runs two Docket instances on one
// PostgreSQL database, each with its own services, event pump and HTTP
// server, sharing nothing but the database. Alice works on instance C,
// Bob on instance A: Alice sees Bob on the ticket and his reply appear
// live, carried by LISTEN/NOTIFY.
func TestBrowserLiveAcrossInstances(t *testing.T) {
	c := newChrome(t, 90*time.Second)
	instA, instC, mk := twoInstances(t)
	mk("alice@example.test", "Alice Archer")
	mk("bob@example.test", "Bob Baker")
	tk := apptest.Ticket(t, instA.Services, instA.Admin, func(n *ticket.NewTicket) { n.Subject = "Shared drive is read-only" })

	alice := c.tab("alice", instC.URL)
	alice.signIn(t, "alice@example.test", e2ePassword, "/tickets?view=open", "#queue")
	bob := c.tab("bob", instA.URL)
	bob.signIn(t, "bob@example.test", e2ePassword, "/tickets?view=open", "#queue")

	// A ticket created on A appears in Alice's queue on C.
	fresh := apptest.Ticket(t, instA.Services, instA.Admin, func(n *ticket.NewTicket) { n.Subject = "Made on instance A" })
	alice.waitJS(t, "the ticket from A in Alice's queue on C",
		`[...document.querySelectorAll("table.tickets tbody tr")].some(r => r.dataset.number === "`+num(fresh.Number)+`")`)

	alice.open(t, "/tickets/"+num(tk.Number), "#ticket")
	eval[bool](t, alice, `window.e2eMarker = true`)
	bob.open(t, "/tickets/"+num(tk.Number), "#ticket")
	alice.waitJS(t, "Bob (on A) in Alice's #presence (on C)", `document.getElementById("presence").textContent.includes("Bob Baker is viewing")`)
	bob.waitJS(t, "Alice (on C) in Bob's #presence (on A)", `document.getElementById("presence").textContent.includes("Alice Archer is viewing")`)
	bob.do(t, "Bob replies on A",
		chromedp.SendKeys(chromedp.CSS("#body"), "Remounted the share read-write."),
		chromedp.Click(chromedp.CSS("#send")),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	alice.waitJS(t, "Bob's reply on Alice's page on C", `document.getElementById("conversation").textContent.includes("Remounted the share read-write.")`)
	if !eval[bool](t, alice, `window.e2eMarker === true`) {
		t.Error("Alice's page reloaded; the live update must patch it in place")
	}
	bob.open(t, "/tickets?view=open", "#queue")
	alice.waitJS(t, "Bob gone from Alice's #presence", `!document.getElementById("presence").textContent.includes("Bob")`)
	alice.noConsoleErrors(t)
	bob.noConsoleErrors(t)
}

// twoInstances starts two Docket instances on one PostgreSQL database,
// sharing nothing else, and returns them with a function that creates an
// agent who signs in with e2ePassword.
func twoInstances(t *testing.T) (a, c *apptest.Env, agent func(email, name string) *user.Actor) {
	t.Helper()
	d := apptest.DB(t, db.Postgres)
	a = apptest.Server(t, d)
	c = apptest.ServerFor(t, d, apptest.Services(t, d))
	agent = func(email, name string) *user.Actor {
		t.Helper()
		ctx := context.Background()
		u, err := a.Users.Create(ctx, apptest.Setup, user.NewUser{Email: email, Name: name, Role: user.RoleAgent, Password: e2ePassword})
		if err != nil {
			t.Fatal(err)
		}
		actor, err := a.Users.Actor(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return actor
	}
	return a, c, agent
}

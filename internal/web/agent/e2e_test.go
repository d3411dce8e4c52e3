package agent_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

const e2ePassword = "correct horse battery staple"

// TestBrowserFirstRunSetup: the setup link creates the first admin, who is
// signed in and lands on their queue.
func TestBrowserFirstRunSetup(t *testing.T) {
	c := newChrome(t, 30*time.Second)
	d := apptest.DB(t, db.SQLite)
	e := apptest.ServerFor(t, d, apptest.Services(t, d))
	token, err := e.Auth.SetupToken(context.Background())
	if err != nil || token == "" {
		t.Fatalf("setup token %q: %v", token, err)
	}
	a := c.tab("admin", e.URL)
	a.open(t, "/setup/"+token, "#setup")
	a.do(t, "fill in setup",
		chromedp.SendKeys(chromedp.CSS("#name"), "Ada Admin"),
		chromedp.SendKeys(chromedp.CSS("#email"), "ada@example.test"),
		chromedp.SendKeys(chromedp.CSS("#password"), e2ePassword),
		chromedp.SendKeys(chromedp.CSS("#password2"), e2ePassword),
		chromedp.Submit(chromedp.CSS("#setup")),
		chromedp.WaitVisible(chromedp.CSS("#welcome")))
	if loc := a.location(t); loc != "/welcome" {
		t.Errorf("after setup the page is %s, want the next steps at /welcome", loc)
	}
	for _, step := range []string{"#step-agents", "#step-mailbox"} {
		if s := a.text(t, step); s == "" {
			t.Errorf("the first page does not offer %s", step)
		}
	}
	if who := a.text(t, ".who"); who != "Ada Admin" {
		t.Errorf("signed in as %q", who)
	}
	if flash := a.text(t, ".flash"); !strings.Contains(flash, "first admin") {
		t.Errorf("flash = %q", flash)
	}
	a.sameOrigin(t)
	a.do(t, "to the tickets", chromedp.Click(chromedp.CSS("#to-tickets")), chromedp.WaitVisible(chromedp.CSS("#queue")))
	a.noConsoleErrors(t)
	// The link works once; then it says so and leads to sign-in.
	u := c.tab("someone", e.URL)
	u.do(t, "open the used link", chromedp.Navigate(e.URL+"/setup/"+token), chromedp.WaitVisible(chromedp.CSS("#setup-used")))
	u.do(t, "follow it to sign in", chromedp.Click(chromedp.CSS("#to-signin")), chromedp.WaitVisible(chromedp.CSS("#signin")))
	u.noConsoleErrors(t, "status of 410")
}

// e2eEnv is a server with two agents who can sign in.
type e2eEnv struct {
	*apptest.Env
	alice, bob *user.Actor
}

// quiet returns once the changes written so far are announced (the pump
// has published them) and older than a queue's catch-up margin of a
// second: a queue page opened then does not refresh its list for them
// while the test clicks its rows. Under load the pump published a batch of
// changes after the next page had opened (TestBrowserBulkAllMatching).
func (e *e2eEnv) quiet(t *testing.T) {
	t.Helper()
	apptest.Pumped(t, e.Services)
	time.Sleep(1100 * time.Millisecond)
}

func newE2EEnv(t *testing.T) *e2eEnv {
	t.Helper()
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	return &e2eEnv{Env: e, alice: newAgent(t, e, "alice@example.test", "Alice Archer"), bob: newAgent(t, e, "bob@example.test", "Bob Baker")}
}

func num(n int64) string { return strconv.FormatInt(n, 10) }

// TestBrowserAgentWorkflow walks an agent's day in a real browser: the
// keyboard through the queue, a reply with an attachment, live updates and
// presence from a colleague, a colleague's change merged with the agent's
// own, the queue refreshing itself, and signing out. The steps share a browser and depend on each
// other, so they are one test.
func TestBrowserAgentWorkflow(t *testing.T) {
	// About 11 s alone; a CI run under the whole suite's load once took
	// more than 60 s to reach the reply step.
	c := newChrome(t, 120*time.Second)
	e := newE2EEnv(t)
	ctx := context.Background()
	var tickets []*ticket.Ticket
	for i, subj := range []string{"Printer on floor 3 jams", "VPN drops every hour", "New laptop for Sam"} {
		tickets = append(tickets, apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) {
			n.Subject = subj
			n.Tags = []string{"e2e" + num(int64(i))}
		}))
	}
	// The queue lists the most recently updated first: the VPN ticket is
	// the second row.
	vpn := tickets[1]

	a := c.tab("alice", e.URL)
	a.signIn(t, "alice@example.test", e2ePassword, "/tickets?view=open", "#queue")
	if loc := a.location(t); loc != "/tickets?view=open" {
		t.Fatalf("after sign-in the page is %s", loc)
	}

	t.Run("keyboard", func(t *testing.T) {
		rows := eval[[]string](t, a, `[...document.querySelectorAll("table.tickets tbody tr")].map(r => r.dataset.number)`)
		want := []string{num(tickets[2].Number), num(tickets[1].Number), num(tickets[0].Number)}
		if strings.Join(rows, ",") != strings.Join(want, ",") {
			t.Fatalf("queue rows %v, want %v", rows, want)
		}
		a.do(t, "j j", chromedp.KeyEvent("j"), chromedp.KeyEvent("j"))
		if sel := eval[string](t, a, `document.querySelector("tr.sel")?.dataset.number ?? ""`); sel != num(vpn.Number) {
			t.Fatalf("after j j the selected row is %q, want %d", sel, vpn.Number)
		}
		a.do(t, "Enter", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("#ticket")))
		if loc := a.location(t); loc != "/tickets/"+num(vpn.Number) {
			t.Fatalf("Enter opened %s, want /tickets/%d", loc, vpn.Number)
		}
		if s := a.text(t, "#subject"); s != vpn.Subject {
			t.Fatalf("ticket page subject %q, want %q", s, vpn.Subject)
		}
		a.do(t, "r", chromedp.KeyEvent("r"))
		if f := eval[string](t, a, `document.activeElement.id + ":" + document.querySelector("input[name=kind]:checked").value`); f != "body:reply" {
			t.Fatalf("after r: focus and kind = %q, want body:reply", f)
		}
		// Esc leaves the textarea; n then switches to an internal note.
		a.do(t, "Esc n", chromedp.KeyEvent(kb.Escape), chromedp.KeyEvent("n"))
		if f := eval[string](t, a, `document.activeElement.id + ":" + document.querySelector("input[name=kind]:checked").value`); f != "body:note" {
			t.Fatalf("after Esc n: focus and kind = %q, want body:note", f)
		}
		// The test driver sends a key's character as an event of its own,
		// so r and n also typed themselves into the box they focused (a
		// keyboard does not: their keydown is prevented). Clear that, or
		// it stays as a draft.
		eval[bool](t, a, `(b => (b.value = "", b.dispatchEvent(new Event("input")), true))(document.getElementById("body"))`)
		// ? shows the help, Esc closes it.
		a.do(t, "Esc ?", chromedp.KeyEvent(kb.Escape), chromedp.KeyEvent("?"), chromedp.WaitVisible(chromedp.CSS("#help")),
			chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.CSS("#help")))
		// a assigns the ticket to the agent.
		a.do(t, "a", chromedp.KeyEvent("a"), chromedp.WaitVisible(chromedp.CSS(".flash")))
		cur, err := e.Tickets.Get(ctx, e.alice, vpn.Number)
		if err != nil {
			t.Fatal(err)
		}
		if cur.Assignee == nil || cur.Assignee.Email != "alice@example.test" {
			t.Fatalf("after a the assignee is %+v", cur.Assignee)
		}
		// g i goes to "My open tickets", where the ticket now is.
		a.do(t, "g i", chromedp.KeyEvent("gi"), chromedp.WaitVisible(chromedp.CSS(`#queue[data-view="mine"]`)))
		if rows := eval[[]string](t, a, `[...document.querySelectorAll("table.tickets tbody tr")].map(r => r.dataset.number)`); strings.Join(rows, ",") != num(vpn.Number) {
			t.Errorf("My open tickets lists %v, want [%d]", rows, vpn.Number)
		}
		// / focuses the search box.
		a.do(t, "/", chromedp.KeyEvent("/"))
		if id := eval[string](t, a, `document.activeElement.id`); id != "q" {
			t.Errorf("after / the focus is on %q, want the search box", id)
		}
		a.sameOrigin(t)
	})

	t.Run("reply_with_attachment", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "vpn-log.txt")
		if err := os.WriteFile(file, []byte("12:00 tunnel down\n12:01 tunnel up\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		a.open(t, "/tickets/"+num(vpn.Number), "#reply-form")
		a.do(t, "reply",
			chromedp.SendKeys(chromedp.CSS("#body"), "Here is the **VPN log** from your laptop."),
			chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{file}),
			chromedp.Click(chromedp.CSS("#send")),
			chromedp.WaitVisible(chromedp.CSS(".flash")),
		)
		a.waitJS(t, "the reply and its attachment", `[...document.querySelectorAll("#conversation .msg")].some(m =>
			m.querySelector(".body strong")?.textContent === "VPN log" && m.querySelector(".atts a")?.textContent === "vpn-log.txt")`)
		if loc := a.location(t); !strings.HasPrefix(loc, "/tickets/"+num(vpn.Number)+"#m-") {
			t.Errorf("after replying the page is %s", loc)
		}
		if flash := a.text(t, ".flash"); flash != "Reply sent." {
			t.Errorf("flash = %q", flash)
		}
		got := eval[string](t, a, `fetch(document.querySelector(".atts a").href).then(r => r.text())`)
		if got != "12:00 tunnel down\n12:01 tunnel up\n" {
			t.Errorf("the attachment link serves %q", got)
		}
		ms, err := e.Tickets.Messages(ctx, e.alice, vpn.Number, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		last := ms[len(ms)-1]
		if last.Internal || last.Author.Email != "alice@example.test" || len(last.Attachments) != 1 {
			t.Errorf("stored reply: internal=%v author=%s attachments=%d", last.Internal, last.Author.Email, len(last.Attachments))
		}
		a.sameOrigin(t)
	})

	b := c.tab("bob", e.URL)
	b.signIn(t, "bob@example.test", e2ePassword, "/tickets?view=open", "#queue")

	t.Run("presence_and_live_reply", func(t *testing.T) {
		a.open(t, "/tickets/"+num(vpn.Number), "#ticket")
		eval[bool](t, a, `window.e2eMarker = true`)
		// Bob opens the same ticket: Alice sees him.
		b.open(t, "/tickets/"+num(vpn.Number), "#ticket")
		a.waitJS(t, "Bob in #presence", `document.getElementById("presence").textContent.includes("Bob Baker is viewing")`)
		// Bob starts typing: he is replying.
		b.do(t, "Bob types", chromedp.SendKeys(chromedp.CSS("#body"), "I had the same problem last week; "))
		a.waitJS(t, "Bob replying in #presence", `document.getElementById("presence").textContent.includes("Bob Baker is replying")`)
		b.do(t, "Bob sends",
			chromedp.SendKeys(chromedp.CSS("#body"), "reinstalling the client fixed it."),
			chromedp.Click(chromedp.CSS("#send")),
			chromedp.WaitVisible(chromedp.CSS(".flash")))
		// Alice's page shows the reply and the note, without a reload.
		a.waitJS(t, "Bob's reply on Alice's page", `document.getElementById("conversation").textContent.includes("reinstalling the client fixed it.")`)
		a.waitJS(t, "#live-note", `!document.getElementById("live-note").hidden`)
		if !eval[bool](t, a, `window.e2eMarker === true`) {
			t.Error("Alice's page reloaded; live updates must patch the page in place")
		}
		// A change by someone outside the workspace (the API, a rule) shows
		// up the same way.
		if _, err := e.Tickets.Reply(ctx, e.Admin, vpn.Number, ticket.NewReply{Body: "Escalating to networking.", Internal: true}); err != nil {
			t.Fatal(err)
		}
		a.waitJS(t, "the admin's note on Alice's page", `document.getElementById("conversation").textContent.includes("Escalating to networking.")`)
		// Bob leaves: Alice's presence line empties.
		b.open(t, "/tickets?view=open", "#queue")
		a.waitJS(t, "Bob gone from #presence", `!document.getElementById("presence").textContent.includes("Bob")`)
		a.sameOrigin(t)
		b.sameOrigin(t)
	})

	t.Run("changes_to_other_fields_merge", func(t *testing.T) {
		tk := tickets[0]
		a.open(t, "/tickets/"+num(tk.Number), "#props")
		// Bob changes the ticket while Alice looks at it.
		subj := "Printer on floor 3 jams (all trays)"
		if _, err := e.Tickets.Update(ctx, e.bob, tk.Number, ticket.Patch{Subject: &subj}, 0); err != nil {
			t.Fatal(err)
		}
		a.waitJS(t, "#live-note after Bob's change", `!document.getElementById("live-note").hidden`)
		a.waitJS(t, "Bob's subject on Alice's page", `document.getElementById("subject").textContent === `+strconv.Quote(subj))
		// Alice raises the priority: another field than Bob's, so no
		// collision, and his change stays (TestBrowserPanelTwoAgents
		// walks a real collision).
		a.do(t, "change priority", chromedp.SetValue(chromedp.CSS("#f-priority"), "p1"), chromedp.Click(chromedp.CSS("#save")),
			chromedp.WaitVisible(chromedp.CSS(".flash")))
		if flash := a.text(t, ".flash"); flash != "Ticket updated." {
			t.Errorf("flash = %q", flash)
		}
		if a.location(t) != "/tickets/"+num(tk.Number) {
			t.Errorf("after saving the page is %s", a.location(t))
		}
		cur, err := e.Tickets.Get(ctx, e.alice, tk.Number)
		if err != nil {
			t.Fatal(err)
		}
		if cur.Priority != ticket.P1 || cur.Subject != subj {
			t.Errorf("after saving: priority %s subject %q", cur.Priority, cur.Subject)
		}
		a.sameOrigin(t)
	})

	t.Run("queue_live", func(t *testing.T) {
		a.open(t, "/tickets?view=open", "#queue")
		eval[bool](t, a, `window.e2eMarker = true`)
		before := eval[int](t, a, `document.querySelectorAll("table.tickets tbody tr").length`)
		nt := apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Subject = "Badge reader at the door is dead" })
		a.waitJS(t, "the new ticket in the list", `document.querySelector('tr[data-number="`+num(nt.Number)+`"]') !== null`)
		a.waitJS(t, "#new-badge", `!document.getElementById("new-badge").hidden`)
		if n := eval[int](t, a, `document.querySelectorAll("table.tickets tbody tr").length`); n != before+1 {
			t.Errorf("%d rows after one new ticket, had %d", n, before)
		}
		if first := eval[string](t, a, `document.querySelector("table.tickets tbody tr").dataset.number`); first != num(nt.Number) {
			t.Errorf("first row is %s, want the new ticket %d", first, nt.Number)
		}
		if !eval[bool](t, a, `window.e2eMarker === true`) {
			t.Error("the queue reloaded; it must refresh in place")
		}
		// The keyboard works on the refreshed rows.
		a.do(t, "j Enter", chromedp.KeyEvent("j"), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("#ticket")))
		if loc := a.location(t); loc != "/tickets/"+num(nt.Number) {
			t.Errorf("j Enter on the refreshed queue opened %s", loc)
		}
		a.sameOrigin(t)
	})

	t.Run("sign_out", func(t *testing.T) {
		a.open(t, "/tickets?view=open", "#queue")
		a.do(t, "sign out", chromedp.Click(chromedp.CSS("#signout")), chromedp.WaitVisible(chromedp.CSS("#signin")))
		if loc := a.location(t); loc != "/login" {
			t.Errorf("after signing out the page is %s", loc)
		}
		if flash := a.text(t, ".flash"); flash != "You are signed out." {
			t.Errorf("flash = %q", flash)
		}
		a.open(t, "/tickets/"+num(vpn.Number), "#signin")
		if loc := a.location(t); loc != "/login?next=%2Ftickets%2F"+num(vpn.Number) {
			t.Errorf("a protected page after signing out went to %s", loc)
		}
		a.sameOrigin(t)
	})

	a.noConsoleErrors(t)
	b.noConsoleErrors(t)
}

// TestBrowserScreenshots saves PNGs of the queue (50 rows) and of a ticket
// (20 messages) on a desktop and a phone, for reviewing the design:
//
//	DOCKET_SCREENSHOTS=/tmp/shots go test -run Screenshots ./internal/web/agent/
//
// Each page is saved as the viewport (NAME-WxH.png) and as the whole page
// (NAME-WxH-full.png).
func TestBrowserScreenshots(t *testing.T) {
	dir := os.Getenv("DOCKET_SCREENSHOTS")
	if dir == "" {
		t.Skip("set DOCKET_SCREENSHOTS to a directory to save screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := newChrome(t, 60*time.Second)
	e := newE2EEnv(t)
	ctx := context.Background()
	names := []string{"Service desk", "Networking", "Facilities"}
	for _, name := range names {
		if _, err := e.Users.CreateTeam(ctx, e.Admin, user.TeamInput{Name: &name}); err != nil {
			t.Fatal(err)
		}
	}
	subjects := []string{"Printer on floor 3 jams on every page", "VPN drops every hour since the update",
		"New laptop for Sam (starts Monday)", "Cannot open the shared drive", "Badge reader at the back door is dead",
		"Outlook asks for the password again and again", "Projector in room 4.12 shows no picture",
		"Request: access to the finance reports", "Wi-Fi is slow in the east wing", "Phone headset crackles"}
	statuses := []ticket.Status{ticket.StatusNew, ticket.StatusOpen, ticket.StatusPending, ticket.StatusOnHold}
	agents := []string{"", "alice@example.test", "bob@example.test"}
	var last *ticket.Ticket
	for i := 0; i < 60; i++ {
		last = apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) {
			n.Subject = subjects[i%len(subjects)]
			if i >= len(subjects) {
				n.Subject += " #" + num(int64(i/len(subjects)+1))
			}
			n.Priority = "p" + num(int64(1+i%4))
			n.Team = names[i%len(names)]
			n.Assignee = agents[i%len(agents)]
			if i%4 == 0 {
				n.Tags = []string{"hardware"}
			}
			n.Requester = &ticket.Contact{Email: "user" + num(int64(i%7)) + "@example.test", Name: []string{"Sam Smith", "Kim Lee",
				"Ana Costa", "Piotr Nowak", "Lena Vogel", "Omar Haddad", "Yuki Tanaka"}[i%7]}
		})
		if st := statuses[i%len(statuses)]; st != ticket.StatusNew {
			if _, err := e.Tickets.Update(ctx, e.Admin, last.Number, ticket.Patch{Status: &st}, 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The ticket with 20 messages: the request and 19 answers.
	att, err := e.Attachments.Save(ctx, e.alice, "vpn-client.log", "text/plain", strings.NewReader("12:00 tunnel down\n"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 19; i++ {
		r := ticket.NewReply{Body: "Thanks, we are looking into it. Could you try **restarting** the client and tell us:\n\n" +
			"- the version in *Help → About*\n- whether it happens on the office Wi-Fi too\n\n`vpn --status` shows the tunnel state."}
		actor := e.alice
		switch {
		case i%5 == 4:
			actor, r.Internal, r.Body = e.bob, true, "Internal: the gateway logs show timeouts at the same minute. Checking with networking."
		case i == 1:
			r.Attachments = []string{att.ID}
		}
		if _, err := e.Tickets.Reply(ctx, actor, last.Number, r); err != nil {
			t.Fatal(err)
		}
	}
	a := c.tab("alice", e.URL)
	a.signIn(t, "alice@example.test", e2ePassword, "/tickets?view=open", "#queue")
	if n := eval[int](t, a, `document.querySelectorAll("table.tickets tbody tr").length`); n != 50 {
		t.Errorf("the queue shows %d rows, want 50", n)
	}
	for _, size := range []struct{ w, h int64 }{{1280, 800}, {390, 844}} {
		for _, page := range []struct{ name, path, sel string }{
			{"queue", "/tickets?view=open", "#queue"},
			{"ticket", "/tickets/" + num(last.Number), "#ticket"},
			{"queue-bad-query", "/tickets?q=priority:p9+vpn", "#queue"},
		} {
			a.do(t, "viewport", chromedp.EmulateViewport(size.w, size.h))
			a.open(t, page.path, page.sel)
			// Let the live script settle (presence line, fonts).
			a.do(t, "settle", chromedp.Sleep(300*time.Millisecond))
			if over := eval[int](t, a, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
				t.Logf("%s at %dx%d: the page is %dpx wider than the screen (scrolls sideways)", page.name, size.w, size.h, over)
			}
			a.saveScreenshots(t, dir, page.name+"-"+num(size.w)+"x"+num(size.h))
		}
	}
	a.noConsoleErrors(t)
}

package portal_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

func num(n int64) string { return strconv.FormatInt(n, 10) }

// Another requester's ticket is not there: its page, its actions and its
// attachments all answer 404, as do numbers and ids that do not exist;
// nothing is written.
func TestOtherRequestersTicketIsNotFound(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		owner := apptest.User(t, e.Services, user.RoleRequester, "")
		tk := apptest.Ticket(t, e.Services, owner)
		ov := signedIn(t, e, owner)
		if code, _, _ := ov.postFiles("/portal/tickets/"+num(tk.Number)+"/reply", url.Values{"body": {"Here is the log."}}, "log.txt", []byte("log line")); code != 303 {
			t.Fatalf("owner reply: %d", code)
		}
		msgs, _ := e.Tickets.Messages(ctx, owner, tk.Number, 0, 10)
		if len(msgs) != 2 || len(msgs[1].Attachments) != 1 {
			t.Fatalf("owner's reply with a file: %+v", msgs)
		}
		att := msgs[1].Attachments[0].ID
		if code, _, _ := ov.get("/portal/attachments/" + att); code != 200 {
			t.Fatalf("owner's attachment: %d", code)
		}
		other := signedIn(t, e, apptest.User(t, e.Services, user.RoleRequester, ""))
		n := num(tk.Number)
		for _, c := range []struct{ method, path string }{
			{"GET", "/portal/tickets/" + n}, {"POST", "/portal/tickets/" + n + "/reply"}, {"POST", "/portal/tickets/" + n + "/resolve"},
			{"POST", "/portal/tickets/" + n + "/reopen"}, {"GET", "/portal/attachments/" + att},
			{"GET", "/portal/tickets/999999"}, {"GET", "/portal/tickets/abc"}, {"GET", "/portal/attachments/nope"},
			{"GET", "/portal/t/" + tk.UID}, {"GET", "/portal/t/not-a-uid"},
		} {
			var code int
			var body string
			if c.method == "GET" {
				code, body, _ = other.get(c.path)
			} else {
				code, body, _ = other.post(c.path, url.Values{"body": {"mine now"}})
			}
			if code != 404 || strings.Contains(body, tk.Subject) {
				t.Errorf("%s %s: %d", c.method, c.path, code)
			}
		}
		if code, body, _ := other.get("/portal/tickets"); code != 200 || strings.Contains(body, `id="t-`+n+`"`) {
			t.Errorf("another requester's list shows the ticket (%d)", code)
		}
		if got, _ := e.Tickets.Get(ctx, e.Admin, tk.Number); got.Status != ticket.StatusNew {
			t.Errorf("status changed to %s", got.Status)
		}
		if msgs, _ := e.Tickets.Messages(ctx, e.Admin, tk.Number, 0, 10); len(msgs) != 2 {
			t.Errorf("%d messages", len(msgs))
		}
	})
}

// Members of an organization see its tickets only while an admin lets
// the organization share them.
func TestOrganizationSharing(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	name, shared := "Acme", false
	o, err := e.Users.CreateOrganization(ctx, e.Admin, user.OrganizationInput{Name: &name, SharedTickets: &shared})
	if err != nil {
		t.Fatal(err)
	}
	member := func() *user.Actor {
		a := apptest.User(t, e.Services, user.RoleRequester, "")
		if _, err := e.Users.Update(ctx, e.Admin, a.ID, user.Patch{Organization: &o.Name}); err != nil {
			t.Fatal(err)
		}
		return apptest.Actor(t, e.Services, a)
	}
	ann, bob := member(), member()
	tk := apptest.Ticket(t, e.Services, ann, func(n *ticket.NewTicket) { n.Subject = "Printer on fire" })
	bv := signedIn(t, e, bob)
	if code, _, _ := bv.get("/portal/tickets/" + num(tk.Number)); code != 404 {
		t.Fatalf("not shared: colleague's ticket %d", code)
	}
	if _, body, _ := bv.get("/portal/tickets"); strings.Contains(body, "Printer on fire") {
		t.Fatal("not shared: the colleague's ticket is listed")
	}
	shared = true
	if _, err := e.Users.UpdateOrganization(ctx, e.Admin, o.ID, user.OrganizationInput{SharedTickets: &shared}); err != nil {
		t.Fatal(err)
	}
	if code, body, _ := bv.get("/portal/tickets/" + num(tk.Number)); code != 200 || !strings.Contains(body, "Printer on fire") {
		t.Fatalf("shared: colleague's ticket %d", code)
	}
	if _, body, _ := bv.get("/portal/tickets"); !strings.Contains(body, `id="t-`+num(tk.Number)+`"`) {
		t.Fatal("shared: the colleague's ticket is not listed")
	}
	outsider := signedIn(t, e, apptest.User(t, e.Services, user.RoleRequester, ""))
	if code, _, _ := outsider.get("/portal/tickets/" + num(tk.Number)); code != 404 {
		t.Fatalf("shared: an outsider sees it (%d)", code)
	}
}

// The ticket page shows the public conversation only: no internal note,
// no file of a note (its id answers 404), no agent-only field; Markdown
// and HTML are sanitized.
func TestTicketPageShowsThePublicConversationOnly(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	req := apptest.User(t, e.Services, user.RoleRequester, "")
	tk := apptest.Ticket(t, e.Services, req, func(n *ticket.NewTicket) {
		n.Body = "Help <script>alert(1)</script> **now**"
	})
	agent := apptest.User(t, e.Services, user.RoleAgent, "")
	tag := []string{"vip-secret-tag"}
	if _, err := e.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Tags: &tag}, 0); err != nil {
		t.Fatal(err)
	}
	att, err := e.Attachments.Save(ctx, agent, "internal.txt", "text/plain", strings.NewReader("secret"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "INTERNAL: the customer is wrong", Internal: true, Attachments: []string{att.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "We are *on it*."}); err != nil {
		t.Fatal(err)
	}
	v := signedIn(t, e, req)
	code, body, h := v.get("/portal/tickets/" + num(tk.Number))
	if code != 200 || !strings.Contains(body, "<em>on it</em>") || !strings.Contains(body, "<strong>now</strong>") {
		t.Fatalf("ticket page: %d", code)
	}
	for _, leak := range []string{"INTERNAL", "internal.txt", "vip-secret-tag", "<script>alert(1)"} {
		if strings.Contains(body, leak) {
			t.Errorf("the page shows %q", leak)
		}
	}
	for _, hd := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"} {
		if h.Get(hd) == "" {
			t.Errorf("no %s header", hd)
		}
	}
	if code, _, _ := v.get("/portal/attachments/" + att.ID); code != 404 {
		t.Fatalf("a note's file: %d", code)
	}
	// An agent in the portal is a requester too: no notes.
	if _, body, _ := signedIn(t, e, agent).get("/portal/tickets"); strings.Contains(body, `id="t-`+num(tk.Number)+`"`) {
		t.Error("an agent's portal lists tickets that are not theirs")
	}
}

// Replies and actions need the session's CSRF token.
func TestPortalFormsNeedCSRF(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	req := apptest.User(t, e.Services, user.RoleRequester, "")
	tk := apptest.Ticket(t, e.Services, req)
	v := signedIn(t, e, req)
	for _, p := range []string{"/reply", "/resolve"} {
		if code, _, _ := v.post("/portal/tickets/"+num(tk.Number)+p, url.Values{"_csrf": {"forged"}, "body": {"x"}}); code != http.StatusForbidden {
			t.Errorf("%s without the token: %d", p, code)
		}
	}
	if got, _ := e.Tickets.Get(ctx, req, tk.Number); got.Status != ticket.StatusNew {
		t.Errorf("status %s", got.Status)
	}
}

// A requester replies, marks the ticket resolved and reopens it within the
// window; past the window the same form opens a linked follow-up.
func TestResolveAndReopenOrFollowUp(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	req := apptest.User(t, e.Services, user.RoleRequester, "")
	tk := apptest.Ticket(t, e.Services, req)
	v := signedIn(t, e, req)
	page := "/portal/tickets/" + num(tk.Number)
	if code, body, _ := v.postFiles(page+"/reply", url.Values{"body": {""}}, "", nil); code != 422 || !strings.Contains(body, `id="body-error"`) {
		t.Fatalf("empty reply: %d", code)
	}
	if code, _, _ := v.post(page+"/resolve", nil); code != 303 {
		t.Fatalf("resolve: %d", code)
	}
	if got, _ := e.Tickets.Get(ctx, req, tk.Number); got.Status != ticket.StatusResolved || got.Resolution != ticket.ResolutionFixed {
		t.Fatalf("after resolve: %s %s", got.Status, got.Resolution)
	}
	if _, body, _ := v.get(page); !strings.Contains(body, `id="reopen"`) || !strings.Contains(body, ">Reopen<") {
		t.Fatal("no reopen form on a resolved ticket")
	}
	if code, _, h := v.post(page+"/reopen", url.Values{"body": {"Broken again."}}); code != 303 || h.Get("Location") != page {
		t.Fatalf("reopen: %d %s", code, h.Get("Location"))
	}
	if got, _ := e.Tickets.Get(ctx, req, tk.Number); got.Status != ticket.StatusOpen {
		t.Fatalf("after reopen: %s", got.Status)
	}
	// Resolved longer ago than the window: a follow-up instead.
	if _, err := e.Auth.SetPortalSettings(ctx, e.Admin, auth.PortalSettings{SignUp: auth.SignUpClosed, ReopenDays: 3}); err != nil {
		t.Fatal(err)
	}
	v.get(page)
	v.post(page+"/resolve", nil)
	if _, err := e.DB.W.ExecContext(ctx, e.DB.Rebind(`UPDATE tickets SET resolved_at = $1 WHERE id = $2`),
		time.Now().Add(-4*24*time.Hour).UnixMicro(), tk.ID); err != nil {
		t.Fatal(err)
	}
	if _, body, _ := v.get(page); !strings.Contains(body, ">Open a follow-up<") {
		t.Fatal("past the window, the page still offers to reopen")
	}
	code, _, h := v.post(page+"/reopen", url.Values{"body": {"Still broken a week later."}})
	if code != 303 || h.Get("Location") == page {
		t.Fatalf("follow-up: %d %s", code, h.Get("Location"))
	}
	if got, _ := e.Tickets.Get(ctx, req, tk.Number); got.Status != ticket.StatusResolved {
		t.Fatalf("the old ticket changed: %s", got.Status)
	}
	fu, err := strconv.ParseInt(strings.TrimPrefix(h.Get("Location"), "/portal/tickets/"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	links, err := e.Tickets.Links(ctx, e.Admin, fu)
	if err != nil || len(links) != 1 || links[0].Number != tk.Number {
		t.Fatalf("follow-up links: %+v %v", links, err)
	}
	if code, body, _ := v.get("/portal/tickets?status=open"); code != 200 || !strings.Contains(body, `id="t-`+num(fu)+`"`) || strings.Contains(body, `id="t-`+num(tk.Number)+`"`) {
		t.Fatalf("open tab: %d", code)
	}
	if _, body, _ := v.get("/portal/tickets?q=" + url.QueryEscape("week later")); !strings.Contains(body, `id="t-`+num(fu)+`"`) {
		t.Fatal("search did not find the follow-up")
	}
}

// The link in a ticket's email: a signed-in requester goes to the page; a
// visitor is offered a sign-in link by email, which opens that ticket.
func TestTicketMailLinkOffersMagicLink(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	withMailbox(t, e)
	req := apptest.User(t, e.Services, user.RoleRequester, "tess@example.test")
	tk := apptest.Ticket(t, e.Services, req)
	if code, _, h := signedIn(t, e, req).get("/portal/t/" + tk.UID); code != 303 || h.Get("Location") != "/portal/tickets/"+num(tk.Number) {
		t.Fatalf("signed in: %d %s", code, h.Get("Location"))
	}
	v := newVisitor(t, e)
	if code, body, _ := v.get("/portal/t/" + tk.UID); code != 200 || !strings.Contains(body, `id="ticket-magic"`) || strings.Contains(body, "tess@") {
		t.Fatalf("visitor: %d", code)
	}
	if code, _, _ := v.post("/portal/t/"+tk.UID+"/link", nil); code != 200 {
		t.Fatalf("ask for a link: %d", code)
	}
	links := mails(t, e, "tess@example.test")
	if len(links) != 1 {
		t.Fatalf("links: %v", links)
	}
	if code, _, h := v.post(links[0], nil); code != 303 || h.Get("Location") != "/portal/tickets/"+num(tk.Number) {
		t.Fatalf("link to the ticket: %d %s", code, h.Get("Location"))
	}
}

// A requester follows a colleague's ticket: it is in their list and opens;
// the list's own-tickets shortcut does not hide it.
func TestFollowedTicketIsListed(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	owner := apptest.User(t, e.Services, user.RoleRequester, "")
	fan := apptest.User(t, e.Services, user.RoleRequester, "")
	agent := apptest.User(t, e.Services, user.RoleAgent, "")
	tk := apptest.Ticket(t, e.Services, owner)
	v := signedIn(t, e, fan)
	if _, body, _ := v.get("/portal/tickets"); strings.Contains(body, `id="t-`+num(tk.Number)+`"`) {
		t.Fatal("listed before following")
	}
	if _, err := e.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Followers: &[]string{fan.Email}}, 0); err != nil {
		t.Fatal(err)
	}
	if code, body, _ := v.get("/portal/tickets"); code != 200 || !strings.Contains(body, `id="t-`+num(tk.Number)+`"`) {
		t.Fatalf("a followed ticket is not listed (%d)", code)
	}
	if code, _, _ := v.get("/portal/tickets/" + num(tk.Number)); code != 200 {
		t.Fatalf("a followed ticket: %d", code)
	}
}

package agent_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

var auditRowRe = regexp.MustCompile(`<tr id="audit-\d+">`)

// auditChanges makes a few admin changes as admin: a team created and
// renamed, a mailbox with a password, and a template whose body tries to
// inject markup.
func auditChanges(t *testing.T, e *apptest.Env, admin *user.Actor) {
	t.Helper()
	ctx := context.Background()
	name, renamed := "Network", "Networks"
	tm, err := e.Users.CreateTeam(ctx, admin, user.TeamInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Users.UpdateTeam(ctx, admin, tm.ID, user.TeamInput{Name: &renamed}); err != nil {
		t.Fatal(err)
	}
	addr, host, port, tls, pw := "help@example.test", "127.0.0.1", 1, "none", "mailbox-secret-123"
	if _, err := e.Mailboxes.Create(ctx, admin, mailbox.Input{Address: &addr, SMTP: mailbox.ServerInput{Host: &host, Port: &port, TLS: &tls, Password: &pw}}); err != nil {
		t.Fatal(err)
	}
	body := "Hello {{.Recipient.Name}},\n\n<script>alert(1)</script> we replied:\n\n{{.Message}}"
	if err := e.Outbox.Templates().Put(ctx, admin, outbox.Template{Key: outbox.KindReply, Subject: "Re: {{.Ticket.Subject}}", Body: body}); err != nil {
		t.Fatal(err)
	}
}

// TestAdminAuditPage: the audit log page lists admin changes for admins,
// readably and escaped, filters them by who, what and when, pages through
// them, and is refused to agents.
func TestAdminAuditPage(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		admin, adminActor := signIn(t, e, user.RoleAdmin)
		agent, _ := signIn(t, e, user.RoleAgent)
		auditChanges(t, e, adminActor)
		apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Subject = "Audited printer" })

		code, body, _ := admin.get("/admin/audit")
		admExpect(t, "audit log", code, body, http.StatusOK, `id="audit-filter"`, `href="/admin/audit" aria-current="page"`,
			"Team created", "Team updated", "Mailbox created", "Template updated",
			`<a href="/admin/users/`+itoa(adminActor.ID)+`">`+adminActor.Name+`</a>`, adminActor.Email,
			`<dt>name</dt><dd><span class="audit-val">Network</span> <span class="audit-arrow" aria-label="changed to">→</span> <span class="audit-val">Networks</span></dd>`,
			`<dt>password changed</dt><dd><span class="audit-val">yes</span></dd>`,
			"&lt;script&gt;alert(1)&lt;/script&gt;", `<a href="/admin/templates/reply">Template reply</a>`,
			"Test setup", // the builders' system actor created the users
		)
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "mailbox-secret-123") {
			t.Fatal("the page shows the payload unescaped, or a secret")
		}
		if strings.Contains(body, "Ticket created") || strings.Contains(body, "Audited printer") {
			t.Fatal("ticket events show without asking for them")
		}
		all := len(auditRowRe.FindAllString(body, -1))

		// Filters: what, who, when, and ticket events on request.
		_, body, _ = admin.get("/admin/audit?kind=team.")
		if n := len(auditRowRe.FindAllString(body, -1)); n != 2 || strings.Contains(body, "Mailbox created") || !strings.Contains(body, `value="team."`) {
			t.Fatalf("kind=team.: %d rows", n)
		}
		_, body, _ = admin.get("/admin/audit?actor=" + url.QueryEscape(adminActor.Email))
		if n := len(auditRowRe.FindAllString(body, -1)); n != 4 || strings.Contains(body, "Test setup") {
			t.Fatalf("actor=%s: %d rows, want 4", adminActor.Email, n)
		}
		_, body, _ = admin.get("/admin/audit?actor=system&kind=user.created")
		if n := len(auditRowRe.FindAllString(body, -1)); n < 2 || strings.Contains(body, "Team created") {
			t.Fatalf("actor=system: %d rows", n)
		}
		today := time.Now().UTC().Format(time.DateOnly)
		yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
		if _, body, _ = admin.get("/admin/audit?from=" + today + "&until=" + today); len(auditRowRe.FindAllString(body, -1)) != all {
			t.Fatal("from and until today do not show today's changes")
		}
		if _, body, _ = admin.get("/admin/audit?until=" + yesterday); !strings.Contains(body, "Nothing matches.") {
			t.Fatal("until yesterday shows today's changes")
		}
		_, body, _ = admin.get("/admin/audit?include=tickets&kind=ticket.")
		if !strings.Contains(body, "Ticket created") || !strings.Contains(body, `<a href="/tickets/`) || !strings.Contains(body, `id="a-tickets" checked`) {
			t.Fatal("include=tickets does not show the ticket's creation")
		}

		// Bad values are shown on the form, with what is wrong.
		for field, query := range map[string]string{"kind": "kind=Not+A+Kind", "actor": "actor=nobody%40example.test", "from": "from=31.01.2026", "until": "until=soon"} {
			code, body, _ := admin.get("/admin/audit?" + query)
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, `id="a-`+field+`"`) {
				t.Errorf("%s: %d, want 422 with the error", query, code)
			}
		}

		// Pages of 50, newest first.
		for i := range 55 {
			n := fmt.Sprintf("Org %02d", i)
			if _, err := e.Users.CreateOrganization(context.Background(), adminActor, user.OrganizationInput{Name: &n}); err != nil {
				t.Fatal(err)
			}
		}
		_, body, _ = admin.get("/admin/audit?kind=organization.")
		next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(body)
		if n := len(auditRowRe.FindAllString(body, -1)); n != 50 || next == nil || !strings.Contains(body, "Organization Org 54<") ||
			!strings.Contains(body, "Organization Org 05<") || strings.Contains(body, "Organization Org 04<") {
			t.Fatalf("first page: %d rows, next %v", n, next)
		}
		_, body, _ = admin.get(strings.ReplaceAll(next[1], "&amp;", "&"))
		if n := len(auditRowRe.FindAllString(body, -1)); n != 5 || !strings.Contains(body, "Organization Org 04<") ||
			!strings.Contains(body, "Organization Org 00<") || strings.Contains(body, `rel="next"`) {
			t.Fatalf("second page: %d rows, want 5", n)
		}
		if !strings.Contains(body, `href="/admin/audit?kind=organization.">Newest</a>`) {
			t.Fatal("the second page does not link back to the newest entries")
		}

		// Agents are refused; nobody signed out sees it.
		if code, _, _ := agent.get("/admin/audit"); code != http.StatusForbidden {
			t.Fatalf("agent: %d, want 403", code)
		}
		if code, _, h := newBrowser(t, e.URL).get("/admin/audit"); code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
			t.Fatalf("anonymous: %d %s", code, h.Get("Location"))
		}
	})
}

// TestBrowserAuditLog filters the audit log in a real browser, on a wide
// screen and a phone, and checks the page never scrolls sideways. With
// DOCKET_SCREENSHOTS set it saves screenshots there.
func TestBrowserAuditLog(t *testing.T) {
	c := newChrome(t, 60*time.Second)
	e := newE2EEnv(t)
	ctx := context.Background()
	u, err := e.Users.Create(ctx, apptest.Setup, user.NewUser{Email: "ada@example.test", Name: "Ada Admin", Role: user.RoleAdmin, Password: e2ePassword})
	if err != nil {
		t.Fatal(err)
	}
	ada, err := e.Users.Actor(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	auditChanges(t, e.Env, ada)
	role, off := user.RoleAdmin, false
	if _, err := e.Users.Update(ctx, ada, e.alice.ID, user.Patch{Role: &role}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Users.Update(ctx, ada, e.bob.ID, user.Patch{Active: &off}); err != nil {
		t.Fatal(err)
	}
	a := c.tab("ada", e.URL)
	a.signIn(t, "ada@example.test", e2ePassword, "/admin/audit", "#audit")
	// The value attribute is the server's: it is there once the filtered
	// page has loaded, not while the field is typed in.
	a.do(t, "filter by kind",
		chromedp.SendKeys(chromedp.CSS("#a-kind"), "user."),
		chromedp.Submit(chromedp.CSS("#audit-filter")),
		chromedp.WaitVisible(chromedp.CSS(`#a-kind[value="user."]`)))
	if loc := a.location(t); !strings.Contains(loc, "kind=user.") {
		t.Errorf("after filtering the page is %s", loc)
	}
	if n := eval[int](t, a, `document.querySelectorAll("#audit tbody tr").length`); n != 2+4 {
		t.Errorf("kind=user. shows %d rows, want 6 (2 changes, 4 users created)", n)
	}
	dir := os.Getenv("DOCKET_SCREENSHOTS")
	for _, size := range []struct{ w, h int64 }{{1280, 900}, {390, 844}} {
		a.do(t, "viewport", chromedp.EmulateViewport(size.w, size.h))
		for _, page := range []struct{ name, path string }{{"audit", "/admin/audit"}, {"audit-users", "/admin/audit?kind=user."}} {
			a.open(t, page.path, "#audit")
			if over := eval[int](t, a, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
				t.Errorf("%s at %dx%d: the page is %dpx wider than the screen", page.name, size.w, size.h, over)
			}
			if dir == "" {
				continue
			}
			a.saveScreenshots(t, dir, page.name+"-"+num(size.w)+"x"+num(size.h))
		}
	}
	a.noConsoleErrors(t)
}

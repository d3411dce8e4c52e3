package agent_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// mbFields is a complete mailbox form, with overrides as name/value pairs.
func mbFields(kv ...string) []string {
	base := map[string]string{"address": "support@example.test", "name": "Support", "team": "", "category": "", "priority": "",
		"inbound.type": "smtp", "inbound.host": "", "inbound.port": "993", "inbound.tls": "tls", "inbound.username": "",
		"inbound.password": "", "inbound.folder": "INBOX", "inbound.after_import": "flag", "inbound.move_to": "",
		"outbound.host": "", "outbound.port": "587", "outbound.tls": "starttls", "outbound.username": "", "outbound.password": "",
		"active": "1"}
	for i := 0; i+1 < len(kv); i += 2 {
		base[kv[i]] = kv[i+1]
	}
	var out []string
	for k, v := range base {
		if v == "" && (k == "active" || strings.HasSuffix(k, "clear_password")) {
			continue
		}
		out = append(out, k, v)
	}
	return out
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return strconv.Itoa(port)
}

func TestAdminMailboxes(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	admin, _ := signIn(t, e, user.RoleAdmin)
	agent, _ := signIn(t, e, user.RoleAgent)
	const imapSecret, smtpSecret = "imap-Secret-7731", "smtp-Secret-9920"
	var bodies []string
	keep := func(code int, body string, h http.Header) (int, string, http.Header) {
		bodies = append(bodies, body)
		return code, body, h
	}

	code, body, _ := keep(admin.get("/admin/mailboxes"))
	admExpect(t, "empty list", code, body, 200, "No mailboxes yet.", `href="/admin/mailboxes"`)
	code, body, _ = keep(admin.get("/admin/mailboxes/new"))
	admExpect(t, "new form", code, body, 200, `id="mailbox-form"`, `name="inbound.password"`)

	// Refused input comes back with field errors and no password.
	code, body, _ = keep(admSubmit(admin, "/admin/mailboxes/new", mbFields("address", "not an address", "inbound.type", "imap",
		"inbound.password", imapSecret, "outbound.port", "abc")...))
	admExpect(t, "bad port", code, body, http.StatusUnprocessableEntity, "Must be a number")
	code, body, _ = keep(admSubmit(admin, "/admin/mailboxes/new", mbFields("inbound.type", "imap", "inbound.password", imapSecret)...))
	admExpect(t, "imap without host", code, body, http.StatusUnprocessableEntity, "Is required for IMAP.")

	// Create.
	code, _, h := admSubmit(admin, "/admin/mailboxes/new", mbFields("inbound.type", "imap", "inbound.host", "imap.example.test",
		"inbound.username", "support", "inbound.password", imapSecret, "outbound.host", "127.0.0.1", "outbound.port", closedPort(t),
		"outbound.tls", "none", "outbound.password", smtpSecret, "priority", "p2")...)
	if code != http.StatusSeeOther {
		t.Fatalf("create: %d", code)
	}
	id := admLocationID(t, h)
	mb, err := e.Mailboxes.Get(ctx, id)
	if err != nil || mb.Address != "support@example.test" || mb.Inbound != "imap" || mb.IMAP.Host != "imap.example.test" ||
		!mb.IMAP.HasPassword || !mb.SMTP.HasPassword || mb.Priority != "p2" || !mb.Active {
		t.Fatalf("created mailbox: %+v %v", mb, err)
	}
	creds, _ := e.Mailboxes.Credentials(ctx, id)
	if creds.IMAP.Password != imapSecret || creds.SMTP.Password != smtpSecret {
		t.Fatal("the passwords were not stored")
	}
	path := "/admin/mailboxes/" + strconv.FormatInt(id, 10)
	code, body, _ = keep(admin.get(path))
	admExpect(t, "edit form", code, body, 200, "support@example.test", "A password is stored", `name="inbound.clear_password"`)
	code, body, _ = keep(admin.get("/admin/mailboxes"))
	admExpect(t, "list", code, body, 200, "support@example.test", "IMAP", "127.0.0.1:")

	// Another server needs the password again: a stored password goes
	// only where it was set for.
	code, body, _ = keep(admSubmit(admin, path, mbFields("inbound.type", "imap", "inbound.host", "imap.evil.test",
		"inbound.username", "support")...))
	admExpect(t, "another host without the password", code, body, http.StatusUnprocessableEntity,
		"Must be given again when the host, port, TLS or username changes.")
	if mb, _ = e.Mailboxes.Get(ctx, id); mb.IMAP.Host != "imap.example.test" {
		t.Fatalf("a refused form moved the mailbox to %s", mb.IMAP.Host)
	}

	// Edit: an empty password keeps the stored one; the checkbox removes one.
	code, _, _ = admSubmit(admin, path, mbFields("name", "Help desk", "inbound.type", "imap", "inbound.host", "imap.example.test",
		"inbound.username", "support", "outbound.host", "127.0.0.1", "outbound.port", "2525", "outbound.tls", "none",
		"outbound.clear_password", "1", "active", "")...)
	if code != http.StatusSeeOther {
		t.Fatalf("update: %d", code)
	}
	code, _, _ = admSubmit(admin, path, mbFields("name", "Help desk", "inbound.type", "imap", "inbound.host", "imap2.example.test",
		"inbound.username", "support", "inbound.password", imapSecret, "outbound.host", "127.0.0.1", "outbound.port", "2525",
		"outbound.tls", "none", "active", "")...)
	if code != http.StatusSeeOther {
		t.Fatalf("move with the password: %d", code)
	}
	mb, _ = e.Mailboxes.Get(ctx, id)
	if mb.Name != "Help desk" || mb.IMAP.Host != "imap2.example.test" || !mb.IMAP.HasPassword || mb.SMTP.HasPassword || mb.SMTP.Port != 2525 || mb.Active {
		t.Fatalf("updated mailbox: %+v", mb)
	}
	if creds, _ = e.Mailboxes.Credentials(ctx, id); creds.IMAP.Password != imapSecret {
		t.Fatal("an empty password field changed the stored password")
	}
	code, body, _ = keep(admSubmit(admin, path, mbFields("inbound.type", "imap", "inbound.host", "imap2.example.test",
		"inbound.after_import", "move", "inbound.password", "another-Secret")...))
	admExpect(t, "move without folder", code, body, http.StatusUnprocessableEntity, "Is required when after_import is move.")
	if creds, _ = e.Mailboxes.Credentials(ctx, id); creds.IMAP.Password != imapSecret {
		t.Fatal("a refused form changed the password")
	}

	// Test connection: inbound fails to resolve or connect, outbound's
	// closed loopback port fails at TCP.
	port := closedPort(t)
	code, _, _ = admSubmit(admin, path, mbFields("inbound.type", "smtp", "outbound.host", "127.0.0.1", "outbound.port", port,
		"outbound.tls", "none", "active", "1")...)
	if code != http.StatusSeeOther {
		t.Fatalf("update for test: %d", code)
	}
	code, body, _ = keep(admSubmit(admin, path+"/test"))
	admExpect(t, "test connection", code, body, 200, `id="test-steps"`, "✓ outbound dns", "✗ outbound tcp: cannot connect to port "+port)

	// Agents may not look or touch.
	for _, p := range []string{"/admin/mailboxes", "/admin/mailboxes/new", path} {
		if code, _, _ := agent.get(p); code != http.StatusForbidden {
			t.Errorf("GET %s as agent: %d", p, code)
		}
	}
	for _, p := range []string{"/admin/mailboxes/new", path, path + "/test", path + "/delete"} {
		if code, _, _ := admSubmit(agent, p, mbFields("address", "evil@example.test", "confirm", "1")...); code != http.StatusForbidden {
			t.Errorf("POST %s as agent: %d", p, code)
		}
	}
	if _, err := e.Mailboxes.Get(ctx, id); err != nil {
		t.Fatal("an agent deleted the mailbox")
	}

	// Delete needs the confirmation.
	code, body, _ = keep(admSubmit(admin, path+"/delete"))
	admExpect(t, "delete unconfirmed", code, body, http.StatusUnprocessableEntity, "Tick the box")
	if code, _, h := admSubmit(admin, path+"/delete", "confirm", "1"); code != http.StatusSeeOther || h.Get("Location") != "/admin/mailboxes" {
		t.Fatalf("delete: %d %s", code, h.Get("Location"))
	}
	if ms, _ := e.Mailboxes.List(ctx); len(ms) != 0 {
		t.Fatalf("mailboxes after delete: %+v", ms)
	}
	code, body, _ = keep(admin.get("/admin/mailboxes"))
	admExpect(t, "list after delete", code, body, 200, "Deleted mailbox support@example.test.")

	for _, b := range bodies {
		for _, secret := range []string{imapSecret, smtpSecret, "another-Secret"} {
			if strings.Contains(b, secret) {
				t.Fatalf("a page shows a password")
			}
		}
	}
}

func TestTicketPageShowsDeliveries(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	admin, _ := signIn(t, e, user.RoleAdmin)
	code, _, _ := admSubmit(admin, "/admin/mailboxes/new", mbFields("outbound.host", "127.0.0.1", "outbound.port", closedPort(t),
		"outbound.tls", "none")...)
	if code != http.StatusSeeOther {
		t.Fatalf("create mailbox: %d", code)
	}

	b, agent := signIn(t, e, user.RoleAgent)
	tk := apptest.Ticket(t, e.Services, agent, func(n *ticket.NewTicket) {
		n.Requester = &ticket.Contact{Email: "bob@example.org"}
		n.Channel = ticket.ChannelPhone
	})
	_, _, _ = b.get("/tickets/" + itoa(tk.Number))
	code, _, _ = b.post("/tickets/"+itoa(tk.Number)+"/reply", url.Values{"_csrf": {b.csrf}, "version": {itoa(tk.Version)},
		"kind": {"reply"}, "body": {"Fixed."}})
	if code != http.StatusSeeOther {
		t.Fatalf("reply: %d", code)
	}
	msgs, err := e.Tickets.Messages(ctx, agent, tk.Number, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	last := msgs[len(msgs)-1]
	ds, err := e.Outbox.StatusForMessage(ctx, last.ID)
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries of the reply: %+v %v", ds, err)
	}
	_, body, _ := b.get("/tickets/" + itoa(tk.Number))
	if !strings.Contains(body, "Emailed to bob@example.org") {
		i := strings.Index(body, `id="conversation"`)
		t.Fatalf("the ticket page does not show the reply's email: %+v\n%s", ds, body[i:min(len(body), i+3000)])
	}
	if _, ok, err := e.Outbox.Bounced(ctx, ds[0].RFC822MessageID, "550 5.1.1 no such user"); !ok || err != nil {
		t.Fatalf("bounced: %v %v", ok, err)
	}
	if ds, _ = e.Outbox.StatusForMessage(ctx, last.ID); ds[0].Status != outbox.StatusFailed {
		t.Fatalf("delivery after bounce: %+v", ds[0])
	}
	_, body, _ = b.get("/tickets/" + itoa(tk.Number))
	if !strings.Contains(body, `class="delivery muted err">Emailed to bob@example.org · failed: 550 5.1.1 no such user`) {
		t.Fatal("the ticket page does not show the failed delivery")
	}
}

func TestAdminMailboxOAuth(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	admin, _ := signIn(t, e, user.RoleAdmin)
	const clientSecret, refreshToken = "client-Secret-4471", "refresh-Token-8823"
	var bodies []string
	keep := func(code int, body string, h http.Header) (int, string, http.Header) {
		bodies = append(bodies, body)
		return code, body, h
	}
	imap := []string{"inbound.type", "imap", "inbound.host", "imap.example.test", "inbound.username", "support"}
	oauth := func(kv ...string) []string {
		base := append(append([]string{}, imap...), "inbound.auth", "xoauth2", "inbound.oauth.token_url", "https://login.example.test/token",
			"inbound.oauth.client_id", "docket-app", "inbound.oauth.client_secret", clientSecret, "inbound.oauth.refresh_token", refreshToken)
		return mbFields(append(base, kv...)...)
	}

	code, body, _ := keep(admin.get("/admin/mailboxes/new"))
	admExpect(t, "new form", code, body, 200, `name="inbound.auth"`, `name="inbound.oauth.token_url"`, `name="inbound.oauth.client_id"`,
		`name="inbound.oauth.client_secret"`, `name="inbound.oauth.refresh_token"`)

	// A missing client id is refused next to the field.
	code, body, _ = keep(admSubmit(admin, "/admin/mailboxes/new", oauth("inbound.oauth.client_id", "")...))
	admExpect(t, "no client id", code, body, http.StatusUnprocessableEntity, "Is required for xoauth2.")

	code, _, h := admSubmit(admin, "/admin/mailboxes/new", oauth()...)
	if code != http.StatusSeeOther {
		t.Fatalf("create: %d", code)
	}
	id := admLocationID(t, h)
	creds, err := e.Mailboxes.Credentials(ctx, id)
	if err != nil || creds.IMAPAuth != "xoauth2" || creds.OAuth.RefreshToken != refreshToken || creds.OAuth.ClientSecret != clientSecret ||
		creds.OAuth.ClientID != "docket-app" || creds.OAuth.TokenURL != "https://login.example.test/token" {
		t.Fatalf("stored oauth: %+v %v", creds, err)
	}
	path := "/admin/mailboxes/" + strconv.FormatInt(id, 10)
	code, body, _ = keep(admin.get(path))
	admExpect(t, "edit form", code, body, 200, `<option value="xoauth2" selected>`, "docket-app",
		"A client secret is stored", "A refresh token is stored")

	// Empty secret fields keep the stored ones.
	code, _, _ = admSubmit(admin, path, oauth("inbound.oauth.client_id", "docket-app-2", "inbound.oauth.client_secret", "",
		"inbound.oauth.refresh_token", "")...)
	if code != http.StatusSeeOther {
		t.Fatalf("update: %d", code)
	}
	if creds, _ = e.Mailboxes.Credentials(ctx, id); creds.OAuth.ClientID != "docket-app-2" || creds.OAuth.RefreshToken != refreshToken ||
		creds.OAuth.ClientSecret != clientSecret {
		t.Fatalf("an empty secret field changed the stored secret: %+v", creds.OAuth)
	}

	// The stored secrets go only where they were set for: another token
	// endpoint needs both again, another IMAP server the refresh token.
	code, body, _ = keep(admSubmit(admin, path, oauth("inbound.oauth.client_id", "docket-app-2",
		"inbound.oauth.token_url", "https://evil.example.test/token", "inbound.oauth.client_secret", "", "inbound.oauth.refresh_token", "")...))
	admExpect(t, "another token endpoint without the secrets", code, body, http.StatusUnprocessableEntity,
		"Must be given again when the token URL changes.")
	if strings.Count(body, "Must be given again when the token URL changes.") != 2 {
		t.Error("both secrets must be asked for again")
	}
	code, body, _ = keep(admSubmit(admin, path, oauth("inbound.oauth.client_id", "docket-app-2", "inbound.host", "imap.evil.test",
		"inbound.oauth.client_secret", "", "inbound.oauth.refresh_token", "")...))
	admExpect(t, "another IMAP server without the refresh token", code, body, http.StatusUnprocessableEntity,
		"Must be given again when the IMAP host, port, TLS or username changes.")
	if creds, _ = e.Mailboxes.Credentials(ctx, id); creds.OAuth.TokenURL != "https://login.example.test/token" || creds.IMAP.Host != "imap.example.test" {
		t.Fatalf("a refused form moved the secrets: %+v %s", creds.OAuth, creds.IMAP.Host)
	}

	// A refused update shows the error and the stored-secret notes, no secret.
	code, body, _ = keep(admSubmit(admin, path, oauth("inbound.oauth.client_id", "", "inbound.oauth.refresh_token", "new-Refresh-1")...))
	admExpect(t, "update without client id", code, body, http.StatusUnprocessableEntity, "Is required for xoauth2.",
		"A refresh token is stored")
	code, body, _ = keep(admSubmit(admin, path, oauth("inbound.oauth.token_url", "ftp://nope")...))
	admExpect(t, "bad token url", code, body, http.StatusUnprocessableEntity, "Must be the provider&#39;s https token endpoint.")
	if creds, _ = e.Mailboxes.Credentials(ctx, id); creds.OAuth.RefreshToken != refreshToken {
		t.Fatal("a refused form changed the refresh token")
	}

	// Back to password sign-in.
	code, _, _ = admSubmit(admin, path, mbFields(append(imap, "inbound.auth", "password")...)...)
	if code != http.StatusSeeOther {
		t.Fatalf("back to password: %d", code)
	}
	if creds, _ = e.Mailboxes.Credentials(ctx, id); creds.IMAPAuth != "password" {
		t.Fatalf("auth after switching back: %q", creds.IMAPAuth)
	}
	code, body, _ = keep(admin.get(path))
	admExpect(t, "password form", code, body, 200, `<option value="password" selected>`)

	for _, b := range bodies {
		for _, secret := range []string{clientSecret, refreshToken, "new-Refresh-1"} {
			if strings.Contains(b, secret) {
				t.Fatalf("a page shows a secret")
			}
		}
	}
}

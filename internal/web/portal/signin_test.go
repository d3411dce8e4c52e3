package portal_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/config"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// The answer to a request for a sign-in link reads the same for an
// account, an unknown address and an agent's address; only the requester
// gets an email. The link opens a confirmation page (a mail scanner that
// follows it uses nothing), signs in once, and is refused after use and
// after 15 minutes.
func TestMagicLinkSignsInOnce(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		withMailbox(t, e)
		req := apptest.User(t, e.Services, user.RoleRequester, "ria@example.test")
		tk := apptest.Ticket(t, e.Services, req)
		agent := apptest.User(t, e.Services, user.RoleAgent, "")
		var pages []string
		for _, addr := range []string{"ria@example.test", "nobody@example.test", agent.Email} {
			code, body, _ := newVisitor(t, e).post("/portal/signin/link", url.Values{"email": {addr}})
			if code != 200 || !strings.Contains(body, `id="sent"`) {
				t.Fatalf("link for %s: %d", addr, code)
			}
			pages = append(pages, strings.ReplaceAll(body, addr, ""))
		}
		if pages[0] != pages[1] || pages[0] != pages[2] {
			t.Error("the answer differs between an account, no account and an agent")
		}
		if n := len(mails(t, e, "nobody@example.test")) + len(mails(t, e, agent.Email)); n != 0 {
			t.Fatalf("%d links sent to addresses without a requester account", n)
		}
		links := mails(t, e, "ria@example.test")
		if len(links) != 1 || !strings.HasPrefix(links[0], "/portal/link/") || len(links[0]) < len("/portal/link/")+43 {
			t.Fatalf("links = %v", links)
		}
		var stored string
		if err := e.DB.R.QueryRowContext(ctx, `SELECT token_hash FROM portal_links`).Scan(&stored); err != nil ||
			strings.Contains(links[0], stored) || len(stored) != 64 {
			t.Fatalf("the token is not stored hashed: %q %v", stored, err)
		}
		v := newVisitor(t, e)
		if code, body, _ := v.get(links[0]); code != 200 || !strings.Contains(body, `id="use-link"`) {
			t.Fatalf("link page: %d", code)
		}
		code, _, h := v.post(links[0], nil)
		if code != http.StatusSeeOther || h.Get("Location") != "/portal/tickets" {
			t.Fatalf("use link: %d %s", code, h.Get("Location"))
		}
		if code, body, _ := v.get("/portal/tickets"); code != 200 || !strings.Contains(body, `id="t-`+strconv.FormatInt(tk.Number, 10)+`"`) {
			t.Fatalf("tickets after the link: %d", code)
		}
		// Used once: never again.
		if code, body, _ := newVisitor(t, e).post(links[0], nil); code != 404 || !strings.Contains(body, `id="link-invalid"`) {
			t.Fatalf("reused link: %d", code)
		}
		// Expired: refused.
		newVisitor(t, e).post("/portal/signin/link", url.Values{"email": {"ria@example.test"}})
		links = mails(t, e, "ria@example.test")
		if _, err := e.DB.W.ExecContext(ctx, e.DB.Rebind(`UPDATE portal_links SET expires_at = $1 WHERE used_at IS NULL`),
			time.Now().Add(-time.Second).UnixMicro()); err != nil {
			t.Fatal(err)
		}
		if code, _, _ := newVisitor(t, e).get(links[1]); code != 404 {
			t.Fatalf("expired link page: %d", code)
		}
		if code, _, h := newVisitor(t, e).post(links[1], nil); code != 404 || h.Get("Set-Cookie") != "" {
			t.Fatalf("expired link: %d", code)
		}
	})
}

// A reset link sets a password (then sign-in by password works, and the
// account's other sessions end); using one ends the other reset links;
// agents get no reset link from the portal.
func TestResetPassword(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	withMailbox(t, e)
	req := apptest.User(t, e.Services, user.RoleRequester, "rob@example.test")
	old := signedIn(t, e, req)
	for range 2 {
		if code, _, _ := newVisitor(t, e).post("/portal/forgot", url.Values{"email": {"rob@example.test"}}); code != 200 {
			t.Fatalf("forgot: %d", code)
		}
	}
	links := mails(t, e, "rob@example.test")
	if len(links) != 2 || !strings.HasPrefix(links[0], "/portal/reset/") {
		t.Fatalf("links = %v", links)
	}
	v := newVisitor(t, e)
	if code, body, _ := v.post(links[1], url.Values{"password": {"short"}, "password2": {"short"}}); code != 422 || !strings.Contains(body, `id="password-error"`) {
		t.Fatalf("short password: %d", code)
	}
	if code, body, _ := v.post(links[1], url.Values{"password": {"a long new password"}, "password2": {"another one"}}); code != 422 || !strings.Contains(body, `id="password2-error"`) {
		t.Fatalf("mismatch: %d", code)
	}
	if code, _, h := v.post(links[1], url.Values{"password": {"a long new password"}, "password2": {"a long new password"}}); code != 303 || h.Get("Location") != "/portal/tickets" {
		t.Fatalf("reset: %d %s", code, h.Get("Location"))
	}
	if code, _, _ := v.get("/portal/tickets"); code != 200 {
		t.Fatalf("signed in after reset: %d", code)
	}
	if code, _, _ := old.get("/portal/tickets"); code != 303 {
		t.Fatalf("the old session lived on after the reset: %d", code)
	}
	// The other reset link, and the used one, are dead.
	for _, l := range links {
		if code, _, _ := newVisitor(t, e).get(l); code != 404 {
			t.Fatalf("%s after a reset: %d", l, code)
		}
	}
	p := newVisitor(t, e)
	if code, _, h := p.post("/portal/signin", url.Values{"email": {"rob@example.test"}, "password": {"a long new password"}}); code != 303 || h.Get("Location") != "/portal/tickets" {
		t.Fatalf("password sign-in: %d", code)
	}
	if code, body, _ := newVisitor(t, e).post("/portal/signin", url.Values{"email": {"rob@example.test"}, "password": {"wrong password!"}}); code != 401 || !strings.Contains(body, "The email or password is wrong.") {
		t.Fatalf("wrong password: %d", code)
	}
	// The workspace still refuses the requester.
	if code, _, _ := p.get("/tickets"); code != 404 {
		t.Fatalf("a portal session opened the workspace: %d", code)
	}
	agent := apptest.User(t, e.Services, user.RoleAgent, "")
	newVisitor(t, e).post("/portal/forgot", url.Values{"email": {agent.Email}})
	if n := len(mails(t, e, agent.Email)); n != 0 {
		t.Fatalf("an agent got %d reset links from the portal", n)
	}
}

// Link requests are limited per address (from any client) and per client
// (for any address).
func TestLinkRequestsRateLimited(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite), func(c *config.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	withMailbox(t, e)
	apptest.User(t, e.Services, user.RoleRequester, "rae@example.test")
	for i := range auth.LinksPerAddress + 1 {
		v := newVisitor(t, e)
		v.ip = "198.51.100." + strconv.Itoa(i+1)
		code, _, h := v.post("/portal/forgot", url.Values{"email": {"rae@example.test"}})
		if i < auth.LinksPerAddress && code != 200 {
			t.Fatalf("request %d: %d", i, code)
		}
		if i == auth.LinksPerAddress && (code != 429 || h.Get("Retry-After") == "") {
			t.Fatalf("request over the address limit: %d %q", code, h.Get("Retry-After"))
		}
	}
	if n := len(mails(t, e, "rae@example.test")); n != auth.LinksPerAddress {
		t.Fatalf("%d links sent, want %d", n, auth.LinksPerAddress)
	}
	// One client asking for many addresses (that need not exist).
	for i := range auth.LinksPerClient + 1 {
		v := newVisitor(t, e)
		v.ip = "203.0.113.5"
		code, _, _ := v.post("/portal/signin/link", url.Values{"email": {"guess" + strconv.Itoa(i) + "@example.test"}})
		if i < auth.LinksPerClient && code != 200 || i == auth.LinksPerClient && code != 429 {
			t.Fatalf("client request %d: %d", i, code)
		}
	}
}

// Sign-up follows the admin's policy: closed shows no form; open creates
// a requester and emails a link to choose a password, answering alike for
// an address that has an account; domains refuses other addresses with a
// field error.
func TestSignUpPolicies(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	withMailbox(t, e)
	v := newVisitor(t, e)
	if code, body, _ := v.get("/portal/signin"); code != 200 || strings.Contains(body, `id="signup-link"`) {
		t.Fatalf("closed: the sign-in page offers sign-up (%d)", code)
	}
	if code, _, _ := v.get("/portal/signup"); code != 404 {
		t.Fatalf("closed sign-up page: %d", code)
	}
	if code, _, _ := v.post("/portal/signup", url.Values{"email": {"new@example.test"}}); code != 404 {
		t.Fatalf("closed sign-up: %d", code)
	}
	set := func(p auth.PortalSettings) {
		if _, err := e.Auth.SetPortalSettings(ctx, e.Admin, p); err != nil {
			t.Fatal(err)
		}
	}
	set(auth.PortalSettings{SignUp: auth.SignUpOpen, ReopenDays: 7})
	if code, body, _ := v.get("/portal/signup"); code != 200 || !strings.Contains(body, `id="signup"`) {
		t.Fatalf("open sign-up page: %d", code)
	}
	code, fresh, _ := v.post("/portal/signup", url.Values{"email": {"new@example.test"}, "name": {"Nia New"}})
	if code != 200 || !strings.Contains(fresh, `id="sent"`) {
		t.Fatalf("sign-up: %d", code)
	}
	linkJobsDone(t, e) // the account is made by the link request's job, so that timing tells nothing
	u, err := e.Users.ByEmail(ctx, "new@example.test")
	if err != nil || u.Role != user.RoleRequester || u.Name != "Nia New" || u.PasswordHash != "" {
		t.Fatalf("signed-up user: %+v %v", u, err)
	}
	links := mails(t, e, "new@example.test")
	if len(links) != 1 || !strings.HasPrefix(links[0], "/portal/reset/") {
		t.Fatalf("sign-up links: %v", links)
	}
	code, again, _ := newVisitor(t, e).post("/portal/signup", url.Values{"email": {"new@example.test"}, "name": {"Nia New"}})
	if code != 200 || again != fresh {
		t.Error("signing up an existing address answers differently")
	}
	set(auth.PortalSettings{SignUp: auth.SignUpDomains, Domains: []string{"acme.example"}, ReopenDays: 7})
	code, body, _ := newVisitor(t, e).post("/portal/signup", url.Values{"email": {"eve@elsewhere.example"}})
	if code != 422 || !strings.Contains(body, `id="email-error"`) || !strings.Contains(body, "acme.example") {
		t.Fatalf("sign-up outside the domains: %d", code)
	}
	linkJobsDone(t, e)
	if _, err := e.Users.ByEmail(ctx, "eve@elsewhere.example"); err == nil {
		t.Fatal("an account was created outside the domains")
	}
	if code, _, _ := newVisitor(t, e).post("/portal/signup", url.Values{"email": {"ann@ACME.example"}}); code != 200 {
		t.Fatalf("sign-up inside the domains: %d", code)
	}
	if code, body, _ := newVisitor(t, e).post("/portal/signup", url.Values{"email": {"not an address"}}); code != 422 || !strings.Contains(body, `id="email-error"`) {
		t.Fatalf("bad address: %d", code)
	}
}

// An admin can make the portal the site root: visitors and requesters go
// there, agents still get the workspace.
func TestPortalAsSiteRoot(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	req := apptest.User(t, e.Services, user.RoleRequester, "")
	agent := apptest.User(t, e.Services, user.RoleAgent, "")
	rv, av := signedIn(t, e, req), signedIn(t, e, agent)
	if code, _, h := newVisitor(t, e).get("/"); code != 303 || h.Get("Location") != "/login?next=%2F" {
		t.Fatalf("root before: %d %s", code, h.Get("Location"))
	}
	if code, _, _ := rv.get("/"); code != 404 {
		t.Fatalf("requester at the root before: %d", code)
	}
	if _, err := e.Auth.SetPortalSettings(ctx, e.Admin, auth.PortalSettings{Root: true, SignUp: auth.SignUpClosed, ReopenDays: 7}); err != nil {
		t.Fatal(err)
	}
	for _, v := range []*visitor{newVisitor(t, e), rv} {
		if code, _, h := v.get("/"); code != 303 || h.Get("Location") != "/portal/" {
			t.Fatalf("root for a requester or visitor: %d %s", code, h.Get("Location"))
		}
	}
	if code, _, h := av.get("/"); code != 303 || h.Get("Location") != "/tickets?view=mine" {
		t.Fatalf("root for an agent: %d %s", code, h.Get("Location"))
	}
}

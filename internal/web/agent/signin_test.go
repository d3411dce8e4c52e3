package agent_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/config"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// offSite are next= values that once sent the browser elsewhere after
// signing in, or would: the host is filled in with evil.
var offSite = []string{
	"/\t/EVIL/", "/\n/EVIL/", "/\r/EVIL/", "\t//EVIL/", " //EVIL/", "/\\EVIL/", "\\/EVIL/", "/\\/EVIL/",
	"//EVIL/", "///EVIL/", "/%2F/EVIL/", "http://EVIL/", "https:EVIL/", "http:/EVIL/", "javascript:alert(1)",
	"/\x00/EVIL/", "/\u00a0/EVIL/",
}

// browserLocation resolves a Location header against base the way the URL
// standard (and so every browser) does: tabs and newlines are removed,
// leading and trailing controls and spaces trimmed, and a backslash in an
// http URL is a slash.
func browserLocation(t *testing.T, base, loc string) *url.URL {
	t.Helper()
	loc = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(loc)
	loc = strings.TrimFunc(loc, func(r rune) bool { return r <= ' ' })
	loc = strings.ReplaceAll(loc, "\\", "/")
	b, _ := url.Parse(base)
	u, err := b.Parse(loc)
	if err != nil {
		t.Errorf("Location %q does not parse: %v", loc, err)
		return b
	}
	return u
}

func TestNextStaysOnSite(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	b, _ := signIn(t, e, user.RoleAgent)
	own, _ := url.Parse(e.URL)
	for _, next := range offSite {
		next = strings.ReplaceAll(next, "EVIL", "evil.test")
		// Signed in, the sign-in page sends the browser straight on. The
		// request goes by the bare transport: Go's client refuses to read
		// some of the Locations a browser would follow.
		req, _ := http.NewRequest("GET", e.URL+"/login?next="+url.QueryEscape(next), nil)
		for _, c := range b.c.Jar.Cookies(req.URL) {
			req.AddCookie(c)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("next=%q: %d", next, resp.StatusCode)
		}
		loc := resp.Header.Get("Location")
		if u := browserLocation(t, e.URL, loc); u.Host != own.Host {
			t.Errorf("next=%q redirected to %s (Location %q)", next, u, loc)
		}
	}
	// The form posts next again with the credentials.
	fresh := newBrowser(t, e.URL)
	email := "agent-" + strings.ReplaceAll(t.Name(), "/", "-") + "@example.test"
	for _, next := range offSite[:4] {
		code, _, h := fresh.post("/login", url.Values{"email": {email}, "password": {"correct horse battery"},
			"next": {strings.ReplaceAll(next, "EVIL", "evil.test")}})
		if code != http.StatusSeeOther || h.Get("Location") != "/" {
			t.Errorf("POST /login next=%q: %d %q, want 303 to /", next, code, h.Get("Location"))
		}
	}
	// Paths of this site survive, queries included.
	for _, next := range []string{"/tickets/1001", "/tickets?view=open&q=vpn+timeout", "/admin/users?q=%C3%A9"} {
		if _, _, h := b.get("/login?next=" + url.QueryEscape(next)); h.Get("Location") != next {
			t.Errorf("next=%q redirected to %q", next, h.Get("Location"))
		}
	}
}

// TestBrowserNextStaysOnSite checks in a real browser that no next= takes
// a signed-in agent to another server: the other server here is a real
// one on loopback that counts its visitors.
func TestBrowserNextStaysOnSite(t *testing.T) {
	c := newChrome(t, 90*time.Second)
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	var visits atomic.Int64
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		visits.Add(1)
		_, _ = w.Write([]byte("<title>evil</title>"))
	}))
	t.Cleanup(evil.Close)
	evilHost := strings.TrimPrefix(evil.URL, "http://")
	if _, err := e.Users.Create(t.Context(), apptest.Setup, user.NewUser{Email: "nx@example.test", Name: "Nx", Role: user.RoleAgent,
		Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	tb := c.tab("agent", e.URL)
	tb.signIn(t, "nx@example.test", "correct horse battery", "", "#queue")
	for _, next := range offSite {
		next = strings.ReplaceAll(next, "EVIL", evilHost)
		tb.do(t, "open /login?next="+url.QueryEscape(next), chromedp.Navigate(e.URL+"/login?next="+url.QueryEscape(next)))
		tb.waitJS(t, "the page after "+url.QueryEscape(next), `document.readyState === "complete"`)
		if loc := eval[string](t, tb, "location.href"); !strings.HasPrefix(loc, e.URL+"/") {
			t.Errorf("next=%q: the browser went to %s", next, loc)
		}
	}
	if n := visits.Load(); n != 0 {
		t.Errorf("the other server was visited %d times", n)
	}
}

// behindProxy makes the server believe X-Forwarded-For from loopback, so
// tests can sign in from several client addresses.
func behindProxy(c *config.Config) {
	c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
}

// TestSignInSlowsDownInsteadOfLocking: wrong passwords from one address
// slow that address down for the account, and never lock the admin out.
func TestSignInSlowsDownInsteadOfLocking(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d, behindProxy)
		if _, err := e.Users.Create(t.Context(), apptest.Setup, user.NewUser{Email: "boss@example.test", Name: "Boss",
			Role: user.RoleAdmin, Password: "correct horse battery", Timezone: "Europe/Berlin"}); err != nil {
			t.Fatal(err)
		}
		attacker := newBrowser(t, e.URL)
		attacker.xff = "198.51.100.7"
		var code int
		var h http.Header
		for range 7 {
			code, _, h = attacker.post("/login", url.Values{"email": {"boss@example.test"}, "password": {"guess guess guess"}})
		}
		if code != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
			t.Fatalf("7th wrong password from one address: %d (Retry-After %q), want 429", code, h.Get("Retry-After"))
		}
		admin := newBrowser(t, e.URL)
		admin.xff = "203.0.113.5"
		code, _, h = admin.post("/login", url.Values{"email": {"boss@example.test"}, "password": {"correct horse battery"}})
		if code != http.StatusSeeOther {
			t.Fatalf("the admin, from their own address, after someone else's wrong passwords: %d, want 303", code)
		}
		if !strings.Contains(strings.Join(h.Values("Set-Cookie"), "\n"), "docket_device=") {
			t.Error("no device token after signing in")
		}
		_, body, _ := admin.get("/tickets?view=open")
		if !strings.Contains(body, "sign-ins were slowed down") || !strings.Contains(body, "198.51.100.7") || !strings.Contains(body, "CET") &&
			!strings.Contains(body, "CEST") {
			t.Errorf("no notice of the slowed sign-ins (in the admin's time zone) after signing in")
		}
		// Still slowed down for the attacker, right password or not.
		if code, _, _ := attacker.post("/login", url.Values{"email": {"boss@example.test"}, "password": {"correct horse battery"}}); code != http.StatusTooManyRequests {
			t.Fatalf("the attacker's address after the admin signed in: %d, want 429", code)
		}
	})
}

// TestSessionIdleTimeout: a session unused for auth.IdleTimeout ends, one
// in use is kept alive, and none outlives auth.MaxAge.
func TestSessionIdleTimeout(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		ctx := t.Context()
		b, agent := signIn(t, e, user.RoleAgent)
		set := func(column string, at time.Time) {
			t.Helper()
			if _, err := d.W.ExecContext(ctx, d.Rebind("UPDATE sessions SET "+column+" = $1 WHERE user_id = $2"), at.UnixMicro(), agent.ID); err != nil {
				t.Fatal(err)
			}
		}
		lastSeen := func() time.Time {
			t.Helper()
			var us int64
			if err := d.R.QueryRowContext(ctx, d.Rebind("SELECT last_seen_at FROM sessions WHERE user_id = $1"), agent.ID).Scan(&us); err != nil {
				t.Fatal(err)
			}
			return time.UnixMicro(us)
		}

		// Nearly idle for too long: the visit counts as use and renews it.
		set("last_seen_at", time.Now().Add(-auth.IdleTimeout+time.Hour))
		if code, _, _ := b.get("/tickets?view=open"); code != http.StatusOK {
			t.Fatalf("a session idle for less than %v: %d", auth.IdleTimeout, code)
		}
		if time.Since(lastSeen()) > time.Minute {
			t.Fatalf("using the session did not renew it (last seen %v)", lastSeen())
		}
		// Idle for too long: signed out, and the session is gone.
		set("last_seen_at", time.Now().Add(-auth.IdleTimeout-time.Minute))
		code, _, h := b.get("/tickets?view=open")
		if code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
			t.Fatalf("a session idle for longer than %v: %d %s", auth.IdleTimeout, code, h.Get("Location"))
		}
		var n int
		if err := d.R.QueryRowContext(ctx, d.Rebind("SELECT COUNT(*) FROM sessions WHERE user_id = $1"), agent.ID).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d sessions left after the idle timeout (%v)", n, err)
		}

		// In use all along, but past its maximum age: ended too.
		b2 := newBrowser(t, e.URL)
		if code, _, _ := b2.post("/login", url.Values{"email": {agent.Email}, "password": {"correct horse battery"}}); code != http.StatusSeeOther {
			t.Fatalf("sign in again: %d", code)
		}
		set("expires_at", time.Now().Add(-time.Second))
		if code, _, _ := b2.get("/tickets?view=open"); code != http.StatusSeeOther {
			t.Fatalf("a session past its maximum age: %d", code)
		}
	})
}

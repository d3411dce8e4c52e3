package agent_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// browser is a cookie-keeping HTTP client that does not follow redirects,
// so tests can assert them.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
	// xff, when set, is sent as X-Forwarded-For (for servers that trust
	// the loopback proxy).
	xff string
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (b *browser) get(path string) (int, string, http.Header) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	code, body, h := b.do(req)
	if m := csrfRe.FindStringSubmatch(body); m != nil {
		b.csrf = m[1]
	}
	return code, body, h
}

func (b *browser) post(path string, form url.Values) (int, string, http.Header) {
	b.t.Helper()
	return b.postWith(path, form, nil)
}

// do sends req with the browser's cookies (and X-Forwarded-For, if set)
// and reads the whole answer.
func (b *browser) do(req *http.Request) (int, string, http.Header) {
	b.t.Helper()
	if b.xff != "" {
		req.Header.Set("X-Forwarded-For", b.xff)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

// signIn creates a user with a password and signs the browser in.
func signIn(t *testing.T, e *apptest.Env, role user.Role) (*browser, *user.Actor) {
	t.Helper()
	email := strings.ToLower(string(role)) + "-" + strings.ReplaceAll(t.Name(), "/", "-") + "@example.test"
	u, err := e.Users.Create(context.Background(), apptest.Setup, user.NewUser{Email: email, Name: "Agent " + string(role), Role: role, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e.URL)
	code, _, h := b.post("/login", url.Values{"email": {email}, "password": {"correct horse battery"}, "next": {"/tickets?view=open"}})
	if code != http.StatusSeeOther || h.Get("Location") != "/tickets?view=open" {
		t.Fatalf("sign in: %d %s", code, h.Get("Location"))
	}
	a, _ := e.Users.Actor(context.Background(), u.ID)
	return b, a
}

func TestFirstRunSetupWorksOnce(t *testing.T) {
	d := apptest.DB(t, db.SQLite)
	s := apptest.Services(t, d)
	token, err := s.Auth.SetupToken(context.Background())
	if err != nil || token == "" {
		t.Fatalf("setup token on an empty database: %q %v", token, err)
	}
	env := apptest.ServerFor(t, d, s)
	b := newBrowser(t, env.URL)
	if code, body, _ := b.get("/setup/" + token); code != 200 || !strings.Contains(body, `id="setup"`) {
		t.Fatalf("setup page: %d", code)
	}
	if code, _, _ := b.get("/setup/wrong"); code != 404 {
		t.Fatalf("wrong token: %d", code)
	}
	form := url.Values{"name": {"Ada"}, "email": {"ada@example.test"}, "password": {"correct horse battery"}, "password2": {"nope nope nope"}}
	if code, body, _ := b.post("/setup/"+token, form); code != 422 || !strings.Contains(body, "do not match") {
		t.Fatalf("mismatched passwords: %d", code)
	} else if _, problems := undescribedErrors(t, body); len(problems) > 0 {
		t.Errorf("the setup form's errors: %v", problems)
	}
	form.Set("password2", "correct horse battery")
	code, _, h := b.post("/setup/"+token, form)
	if code != 303 || h.Get("Location") != "/welcome" {
		t.Fatalf("setup: %d %s", code, h.Get("Location"))
	}
	if !strings.Contains(strings.Join(h.Values("Set-Cookie"), "\n"), "docket_device=") {
		t.Error("the first admin's browser got no device token: guesses elsewhere could slow them down")
	}
	// The first page offers the next steps, none done yet.
	code, body, _ := b.get("/welcome")
	for _, want := range []string{`id="welcome"`, `id="step-agents"`, `href="/admin/users/new"`, `id="step-mailbox"`,
		`href="/admin/mailboxes/new"`, "first admin"} {
		if code != 200 || !strings.Contains(body, want) {
			t.Fatalf("welcome page: %d, no %s", code, want)
		}
	}
	if strings.Contains(body, `class="done"`) {
		t.Error("a step is marked done on a fresh Docket")
	}
	if code, body, _ := b.get("/tickets?view=mine"); code != 200 || !strings.Contains(body, "Ada") {
		t.Fatalf("not signed in after setup: %d", code)
	}
	u, err := s.Users.ByEmail(context.Background(), "ada@example.test")
	if err != nil || u.Role != user.RoleAdmin {
		t.Fatalf("first user: %+v %v", u, err)
	}
	form.Set("email", "eve@example.test")
	if code, body, _ := newBrowser(t, env.URL).post("/setup/"+token, form); code != http.StatusGone || !strings.Contains(body, `href="/login"`) {
		t.Fatalf("second use of the setup link: %d, want 410 pointing to sign-in", code)
	}
	// Opening the used link says so, and points to sign-in.
	if code, body, _ := newBrowser(t, env.URL).get("/setup/" + token); code != http.StatusGone || !strings.Contains(body, `id="setup-used"`) ||
		!strings.Contains(body, "has been used") || !strings.Contains(body, `href="/login"`) {
		t.Fatalf("the used setup link: %d, want 410 saying it was used, with a link to sign in", code)
	}
	// Steps are marked once done.
	if _, err := s.Users.Create(context.Background(), apptest.Setup, user.NewUser{Email: "kim@example.test", Name: "Kim", Role: user.RoleAgent}); err != nil {
		t.Fatal(err)
	}
	if _, body, _ := b.get("/welcome"); !strings.Contains(body, `id="step-agents" class="done"`) || strings.Contains(body, `id="step-mailbox" class="done"`) {
		t.Error("the welcome page does not mark the agents step done (and only it)")
	}
	if token2, _ := s.Auth.SetupToken(context.Background()); token2 != "" {
		t.Fatal("a setup token is issued although a user exists")
	}
}

func TestSignInAndOut(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		b := newBrowser(t, e.URL)
		if code, _, h := b.get("/tickets/1001"); code != 303 || !strings.HasPrefix(h.Get("Location"), "/login?next=") {
			t.Fatalf("anonymous: %d %s", code, h.Get("Location"))
		}
		_, err := e.Users.Create(context.Background(), apptest.Setup, user.NewUser{Email: "agent@example.test", Role: user.RoleAgent, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		_, wrongPw, _ := b.post("/login", url.Values{"email": {"agent@example.test"}, "password": {"wrong password!"}})
		_, noUser, _ := b.post("/login", url.Values{"email": {"ghost@example.test"}, "password": {"wrong password!"}})
		if !strings.Contains(wrongPw, "The email or password is wrong.") || !strings.Contains(noUser, "The email or password is wrong.") {
			t.Fatal("sign-in errors differ or are missing")
		}
		code, _, h := b.post("/login", url.Values{"email": {"agent@example.test"}, "password": {"correct horse battery"}, "next": {"https://evil.example/"}})
		if code != 303 || h.Get("Location") != "/" {
			t.Fatalf("sign in with a foreign next: %d %q", code, h.Get("Location"))
		}
		cookie := h.Get("Set-Cookie")
		if !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Lax") {
			t.Errorf("session cookie attributes: %s", cookie)
		}
		if code, _, _ := b.get("/tickets?view=mine"); code != 200 {
			t.Fatalf("queue after sign in: %d", code)
		}
		if code, _, _ := b.post("/logout", url.Values{"_csrf": {"forged"}}); code != 403 {
			t.Fatalf("logout without the CSRF token: %d", code)
		}
		if code, _, _ := b.post("/logout", url.Values{"_csrf": {b.csrf}}); code != 303 {
			t.Fatalf("logout: %d", code)
		}
		if code, _, _ := b.get("/tickets?view=mine"); code != 303 {
			t.Fatalf("still signed in after logout: %d", code)
		}
	})
}

func TestSignInLockout(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	b := newBrowser(t, e.URL)
	var last int
	for i := 0; i < 7; i++ {
		last, _, _ = b.post("/login", url.Values{"email": {"nobody@example.test"}, "password": {"guess guess guess"}})
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("7th failed sign-in for one address: %d, want 429", last)
	}
}

func TestRequestersCannotEnter(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	// Requesters get no password any more; one from before has one still:
	// an agent with a password who became a requester.
	u, err := e.Users.Create(ctx, apptest.Setup, user.NewUser{Email: "req@example.test", Role: user.RoleAgent, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	requester := user.RoleRequester
	if _, err := e.Users.Update(ctx, apptest.Setup, u.ID, user.Patch{Role: &requester}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e.URL)
	code, body, _ := b.post("/login", url.Values{"email": {"req@example.test"}, "password": {"wrong horse battery"}})
	if code != 401 || !strings.Contains(body, "The email or password is wrong.") {
		t.Fatalf("requester with a wrong password: %d", code)
	}
	// The right password: say plainly where requesters stand.
	code, body, h := b.post("/login", url.Values{"email": {"req@example.test"}, "password": {"correct horse battery"}})
	if code != 403 || !strings.Contains(body, "Requesters sign in to the help portal") || h.Get("Set-Cookie") != "" {
		t.Fatalf("requester sign-in to the workspace: %d %q", code, h.Get("Set-Cookie"))
	}
	if code, _, _ := b.get("/tickets?view=open"); code != 303 {
		t.Fatalf("a requester got into the workspace: %d", code)
	}
}

func TestTicketPageReplyAndCollision(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		b, agent := signIn(t, e, user.RoleAgent)
		tk := apptest.Ticket(t, e.Services, agent, func(n *ticket.NewTicket) {
			n.Subject = `<img src=x onerror=alert(1)>`
			n.Body = "Hello <script>alert(2)</script> **there**"
		})
		code, body, _ := b.get("/tickets/" + itoa(tk.Number))
		if code != 200 {
			t.Fatalf("ticket page: %d", code)
		}
		for _, bad := range []string{"<img src=x", "<script>alert(2)"} {
			if strings.Contains(body, bad) {
				t.Errorf("ticket page contains unescaped %q", bad)
			}
		}
		if !strings.Contains(body, "<strong>there</strong>") || !strings.Contains(body, `id="reply-form"`) {
			t.Error("ticket page lacks the rendered body or the reply form")
		}
		// Reply and set status in one go.
		code, _, h := b.post("/tickets/"+itoa(tk.Number)+"/reply", url.Values{"_csrf": {b.csrf}, "version": {itoa(tk.Version)},
			"kind": {"reply"}, "body": {"On it"}, "status": {"pending"}})
		if code != 303 || !strings.HasPrefix(h.Get("Location"), "/tickets/"+itoa(tk.Number)+"#m-") {
			t.Fatalf("reply: %d %s", code, h.Get("Location"))
		}
		got, _ := e.Tickets.Get(context.Background(), agent, tk.Number)
		if got.Status != ticket.StatusPending || got.FirstResponseAt == nil {
			t.Fatalf("after reply: %+v", got)
		}
		// A change submitted from a stale page is not applied.
		code, body, _ = b.post("/tickets/"+itoa(tk.Number)+"/update", url.Values{"_csrf": {b.csrf}, "version": {itoa(tk.Version)},
			"priority": {"p1"}})
		if code != http.StatusConflict || !strings.Contains(body, `id="conflict"`) || !strings.Contains(body, "Apply anyway") {
			t.Fatalf("stale update: %d", code)
		}
		if got, _ := e.Tickets.Get(context.Background(), agent, tk.Number); got.Priority == ticket.P1 {
			t.Fatal("a stale update was applied")
		}
		code, _, _ = b.post("/tickets/"+itoa(tk.Number)+"/update", url.Values{"_csrf": {b.csrf}, "version": {itoa(tk.Version)},
			"priority": {"p1"}, "force": {"1"}})
		if got, _ := e.Tickets.Get(context.Background(), agent, tk.Number); code != 303 || got.Priority != ticket.P1 {
			t.Fatalf("re-applied update: %d, priority %s", code, got.Priority)
		}
		// Without the CSRF token nothing happens.
		if code, _, _ := b.post("/tickets/"+itoa(tk.Number)+"/reply", url.Values{"kind": {"reply"}, "body": {"forged"}}); code != 403 {
			t.Fatalf("reply without CSRF token: %d", code)
		}
	})
}

func TestRestrictedTeamIsInvisible(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	name, yes := "HR", true
	if _, err := e.Users.CreateTeam(context.Background(), e.Admin, user.TeamInput{Name: &name, Restricted: &yes}); err != nil {
		t.Fatal(err)
	}
	tk := apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Team = "HR"; n.Subject = "Salary review" })
	b, _ := signIn(t, e, user.RoleAgent)
	if code, _, _ := b.get("/tickets/" + itoa(tk.Number)); code != 404 {
		t.Fatalf("outsider opens a restricted ticket: %d", code)
	}
	if _, body, _ := b.get("/tickets?view=open"); strings.Contains(body, "Salary review") {
		t.Fatal("restricted ticket listed for an outsider")
	}
	b.get("/tickets?view=open")
	if code, _, _ := b.post("/tickets/"+itoa(tk.Number)+"/reply", url.Values{"_csrf": {b.csrf}, "kind": {"reply"}, "body": {"x"}}); code != 404 {
		t.Fatalf("outsider replies to a restricted ticket: %d", code)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

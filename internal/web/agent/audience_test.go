package agent_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
	"github.com/docket/docket/internal/web/agent"
)

// routeRecorder lists the patterns a surface registers.
type routeRecorder struct{ patterns []string }

func (r *routeRecorder) Handle(p string, _ http.Handler) { r.patterns = append(r.patterns, p) }
func (r *routeRecorder) HandleFunc(p string, _ func(http.ResponseWriter, *http.Request)) {
	r.patterns = append(r.patterns, p)
}

// public are the workspace routes anyone may open: its assets, the sign-in
// and first-run setup. Every other route is for agents and admins only.
var public = map[string]bool{
	"GET /assets/{name}": true, "GET /login": true, "POST /login": true,
	"GET /setup/{token}": true, "POST /setup/{token}": true,
}

var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// A requester's session opens no workspace page: every route the
// workspace registers, enumerated from its router, answers a signed-in
// requester 404 (as if it did not exist), GET and POST alike, even for
// the requester's own ticket.
func TestRequesterSessionOpensNoAgentRoute(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	req := apptest.User(t, e.Services, user.RoleRequester, "")
	tk := apptest.Ticket(t, e.Services, req)
	secret, _, err := e.Auth.StartSession(ctx, req.ID, "test", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := agent.New(agent.Deps{Log: slog.New(slog.DiscardHandler), Auth: e.Auth})
	if err != nil {
		t.Fatal(err)
	}
	rec := &routeRecorder{}
	ws.Routes(rec)
	if len(rec.patterns) < 50 {
		t.Fatalf("only %d routes recorded", len(rec.patterns))
	}
	b := newBrowser(t, e.URL)
	b.c.Timeout = 10 * time.Second // a live stream opened by mistake ends
	u, _ := url.Parse(e.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: secret, Path: "/"}})
	seen := map[string]bool{}
	for _, p := range rec.patterns {
		if public[p] {
			seen[p] = true
			continue
		}
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			method, path = "GET", p+"no-such-page"
		}
		path = strings.ReplaceAll(path, "{$}", "")
		path = wildcard.ReplaceAllStringFunc(path, func(w string) string {
			if w == "{number}" {
				return itoa(tk.Number)
			}
			return "1"
		})
		r, _ := http.NewRequest(method, e.URL+path, strings.NewReader("_csrf=x&body=hello"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Origin", e.URL)
		code, body, _ := b.do(r)
		if code != http.StatusNotFound {
			t.Errorf("%s (%s %s) answered a requester %d, want 404: %.200s", p, method, path, code, body)
		}
	}
	if len(seen) != len(public) {
		t.Errorf("public routes registered: %v, want %v", seen, public)
	}
	// And nothing was written on the requester's behalf.
	msgs, err := e.Tickets.Messages(ctx, req, tk.Number, 0, 10)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("messages after the walk: %d %v", len(msgs), err)
	}
}

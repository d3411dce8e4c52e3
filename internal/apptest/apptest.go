// Package apptest is Docket's test kit: a fresh migrated database per test
// (SQLite, and PostgreSQL when available), the services and HTTP server
// wired exactly as `docket serve` wires them, and builders for users and
// tickets.
package apptest

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/config"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/db/pgtest"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// Dialects lists the engines ForEachDB runs on.
var Dialects = []db.Dialect{db.SQLite, db.Postgres}

// ForEachDB runs fn as a subtest on a fresh migrated database of each
// dialect. The PostgreSQL run skips (or fails in CI) as pgtest decides.
func ForEachDB(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, dialect := range Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			fn(t, DB(t, dialect))
		})
	}
}

// DB returns a fresh, migrated database of the dialect, closed at cleanup.
func DB(t testing.TB, dialect db.Dialect) *db.DB {
	t.Helper()
	ctx := context.Background()
	var opts db.Options
	switch dialect {
	case db.SQLite:
		opts.DataDir = t.TempDir()
	case db.Postgres:
		opts.URL = PostgresURL(t)
	}
	d, err := db.Open(ctx, opts)
	if err != nil {
		t.Fatalf("open %s: %v", dialect, err)
	}
	if _, err := d.Migrate(ctx); err != nil {
		d.Close()
		t.Fatalf("migrate %s: %v", dialect, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// PostgresURL returns the URL of a fresh, migrated PostgreSQL database,
// dropped at cleanup (skipping or failing as pgtest decides when there is
// no PostgreSQL): for tests that start `docket serve` processes on it.
func PostgresURL(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	pgtest.CreateTemplate(t, "docket_template", func(url string) error {
		d, err := db.Open(ctx, db.Options{URL: url})
		if err != nil {
			return err
		}
		defer d.Close()
		_, err = d.Migrate(ctx)
		return err
	})
	return pgtest.NewDatabase(t, "docket_template")
}

// SecretKey is the DOCKET_SECRET_KEY tests run with (PostgreSQL requires
// one); a fixed, public value, good for nothing but tests.
var SecretKey = base64.StdEncoding.EncodeToString([]byte("docket tests only; never use it."))

// Config is the configuration tests run with.
func Config(t testing.TB) *config.Config {
	return &config.Config{Data: t.TempDir(), MaxBodyBytes: 1 << 20, MaxUploadBytes: 2 << 20, KeepRawMail: true, SecretKey: SecretKey}
}

// Services builds the domain services over d as serve does.
func Services(t testing.TB, d *db.DB) *app.Services {
	t.Helper()
	return ServicesWith(t, d, nil)
}

// ServicesWith builds the services like Services, calling before (if not
// nil) before the background work starts: the place to register event
// consumers and job kinds.
func ServicesWith(t testing.TB, d *db.DB, before func(*app.Services)) *app.Services {
	t.Helper()
	s, err := app.Build(context.Background(), d, Config(t), slog.New(slog.NewTextHandler(logWriter(t), &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatalf("build services: %v", err)
	}
	if before != nil {
		before(s)
	}
	t.Cleanup(s.Start(context.Background()))
	return s
}

// Env is a running test instance: services, an HTTP server and an admin
// with an API client.
type Env struct {
	*app.Services
	URL string
	// Config is the configuration the server runs with.
	Config *config.Config
	// Handler is the server's whole HTTP handler, for requests served in
	// the test's own goroutine (Statements).
	Handler http.Handler
	Admin   *user.Actor
	// Client acts as Admin.
	Client *client.Client
	// http is the test server's own HTTP client. Clients on
	// http.DefaultClient share its connections with every test running in
	// parallel, and a server closing (httptest closes the default
	// transport's idle connections) broke another test's request in CI
	// ("http: CloseIdleConnections called").
	http *http.Client
}

// Server starts Docket's whole HTTP handler on a loopback port over d,
// with an admin and their API client. Each option adjusts the
// configuration before anything is built.
func Server(t testing.TB, d *db.DB, options ...func(*config.Config)) *Env {
	t.Helper()
	return ServerWith(t, d, nil, options...)
}

// ServerWith is Server with before run on the built services before their
// background work starts: the place to register job kinds, which the
// runner only takes before it runs.
func ServerWith(t testing.TB, d *db.DB, before func(*app.Services), options ...func(*config.Config)) *Env {
	t.Helper()
	cfg := Config(t)
	for _, o := range options {
		o(cfg)
	}
	s, err := app.Build(context.Background(), d, cfg, slog.New(slog.NewTextHandler(logWriter(t), &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatalf("build services: %v", err)
	}
	if before != nil {
		before(s)
	}
	t.Cleanup(s.Start(context.Background()))
	e := serve(t, s, cfg)
	e.Admin = User(t, s, user.RoleAdmin, "")
	e.Client = e.ClientFor(t, e.Admin)
	return e
}

// logWriter sends the server's warnings and errors to the test log, so a
// 500 in a test says why; nothing is written after the test ends.
func logWriter(t testing.TB) io.Writer {
	w := &testLog{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return w
}

type testLog struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *testLog) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Logf("server: %s", strings.TrimSpace(string(b)))
	}
	return len(b), nil
}

// ServerFor starts the HTTP handler over already built services, creating
// no user (first-run tests need an empty database).
func ServerFor(t testing.TB, d *db.DB, s *app.Services) *Env {
	t.Helper()
	return serve(t, s, Config(t))
}

func serve(t testing.TB, s *app.Services, cfg *config.Config) *Env {
	t.Helper()
	h, _, err := app.Handler(s, cfg, slog.New(slog.NewTextHandler(logWriter(t), &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatalf("handler: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &Env{Services: s, URL: srv.URL, Config: cfg, Handler: h, http: srv.Client()}
}

// ClientFor returns an API client authenticated as a.
func (e *Env) ClientFor(t testing.TB, a *user.Actor) *client.Client {
	t.Helper()
	return e.ClientWith(Token(t, e.Services, a))
}

// ClientWith returns an API client of the test server sending token ("":
// none), on the server's own connections.
func (e *Env) ClientWith(token string) *client.Client {
	c := client.New(e.URL, token)
	if e.http != nil {
		c.HTTP = e.http
	}
	return c
}

var seq atomic.Int64

// Setup is the actor of the changes the builders make: the audit log
// shows them as Docket's own, not as any test user's.
var Setup = user.System(event.ActorSystem, 0, "Test setup")

// User creates an active user with the role; an empty email gets a unique
// one. It returns the user as an actor.
func User(t testing.TB, s *app.Services, role user.Role, email string) *user.Actor {
	t.Helper()
	if email == "" {
		email = fmt.Sprintf("%s%d@example.test", role, seq.Add(1))
	}
	u, err := s.Users.Create(context.Background(), Setup, user.NewUser{Email: email, Name: "Test " + string(role), Role: role})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	a, err := s.Users.Actor(context.Background(), u.ID)
	if err != nil {
		t.Fatalf("actor %s: %v", email, err)
	}
	return a
}

// Actor reloads a's team memberships (after they changed).
func Actor(t testing.TB, s *app.Services, a *user.Actor) *user.Actor {
	t.Helper()
	n, err := s.Users.Actor(context.Background(), a.ID)
	if err != nil {
		t.Fatalf("actor: %v", err)
	}
	return n
}

// Token issues an API token for a.
func Token(t testing.TB, s *app.Services, a *user.Actor) string {
	t.Helper()
	secret, _, err := s.Auth.CreateToken(context.Background(), a, authNewToken(a))
	if err != nil {
		t.Fatalf("token for %s: %v", a.Email, err)
	}
	return secret
}

// Ticket creates a ticket as agent a, applying opts to a default input.
func Ticket(t testing.TB, s *app.Services, a *user.Actor, opts ...func(*ticket.NewTicket)) *ticket.Ticket {
	t.Helper()
	in := ticket.NewTicket{Subject: fmt.Sprintf("Test ticket %d", seq.Add(1)), Body: "Something is broken."}
	if a.IsAgent() {
		in.Requester = &ticket.Contact{Email: fmt.Sprintf("requester%d@example.test", seq.Add(1)), Name: "Req"}
	}
	for _, o := range opts {
		o(&in)
	}
	tk, err := s.Tickets.Create(context.Background(), a, in)
	if err != nil {
		t.Fatalf("create ticket: %v", err)
	}
	return tk
}

package ticket_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/config"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestSearchesTakeTurns: with --search-concurrency 1, a search (a list
// with words) waits while another runs, and runs once it ends; /metrics
// counts it waiting; a waiting search whose request is gone gives up; a
// search that fails gives its turn back; lists without words and counts
// never wait.
func TestSearchesTakeTurns(t *testing.T) {
	env := apptest.Server(t, apptest.DB(t, db.SQLite), func(c *config.Config) { c.SearchConcurrency = 1 })
	agent := apptest.User(t, env.Services, user.RoleAgent, "")
	want := apptest.Ticket(t, env.Services, agent, func(n *ticket.NewTicket) { n.Subject = "Printer jam" }).Number
	q, err := search.Parse("printer")
	if err != nil {
		t.Fatal(err)
	}
	var statements atomic.Int32
	first, release := make(chan struct{}), make(chan struct{})
	let := func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}
	t.Cleanup(let) // a failed test leaves no search waiting
	env.Tickets.TraceQueries(func(string, []any) {
		if statements.Add(1) == 1 {
			close(first)
			<-release // the first search holds its turn
		}
	})
	defer env.Tickets.TraceQueries(nil)
	find := func(ctx context.Context, done chan<- error) {
		ts, _, err := env.Tickets.List(ctx, agent, ticket.Filter{Text: q})
		if err == nil && (len(ts) != 1 || ts[0].Number != want) {
			err = errors.New("did not find the ticket")
		}
		done <- err
	}
	a, b := make(chan error, 1), make(chan error, 1)
	go find(ctx, a)
	<-first
	go find(ctx, b)
	waitUntil(t, "the second search waiting", func() bool { _, w := env.Tickets.Searches(); return w == 1 })
	if n := statements.Load(); n != 1 {
		t.Errorf("%d search statements ran while the first search held its turn, want 1 (its own)", n)
	}
	if m := metrics(t, env); !strings.Contains(m, "docket_searches_running 1\n") || !strings.Contains(m, "docket_searches_waiting 1\n") {
		t.Errorf("/metrics while one search runs and one waits:\n%s", grepLines(m, "docket_searches"))
	}

	// A list without words and a count with words do not wait; a search
	// whose request ends while it waits gives up, having run nothing.
	if _, _, err := env.Tickets.List(ctx, agent, ticket.Filter{}); err != nil {
		t.Fatal(err)
	}
	if n, err := env.Tickets.Count(ctx, agent, ticket.Filter{Text: q}); err != nil || n != 1 {
		t.Fatalf("a count of the word while a search held its turn: %d, %v", n, err)
	}
	ran := statements.Load()
	gone, cancel := context.WithCancel(ctx)
	c := make(chan error, 1)
	go find(gone, c)
	waitUntil(t, "the third search waiting", func() bool { _, w := env.Tickets.Searches(); return w == 2 })
	cancel()
	if err := <-c; !errors.Is(err, context.Canceled) {
		t.Errorf("a waiting search whose request ended answered %v, want context.Canceled", err)
	}
	if n := statements.Load(); n != ran {
		t.Errorf("the search that gave up ran %d statements", n-ran)
	}
	let()
	for _, done := range []chan error{a, b} {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a search did not end")
		}
	}
	// A search that fails once its turn has begun gives the turn back.
	failing, fail := context.WithCancel(ctx)
	env.Tickets.TraceQueries(func(string, []any) { fail() })
	if _, _, err := env.Tickets.List(failing, agent, ticket.Filter{Text: q}); err == nil {
		t.Error("a search whose request ended at its first statement answered")
	}
	env.Tickets.TraceQueries(nil)
	if r, w := env.Tickets.Searches(); r != 0 || w != 0 {
		t.Errorf("after the searches, %d running and %d waiting", r, w)
	}
	soon, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	d := make(chan error, 1)
	find(soon, d)
	if err := <-d; err != nil {
		t.Fatalf("a search after the failed one: %v", err)
	}
}

// metrics is the text of env's /metrics, served in the test's goroutine.
func metrics(t *testing.T, env *apptest.Env) string {
	t.Helper()
	rec := httptest.NewRecorder()
	env.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics answered %d", rec.Code)
	}
	return rec.Body.String()
}

// grepLines is the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

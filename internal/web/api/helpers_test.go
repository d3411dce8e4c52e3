// Tests of the REST API v1, through the client package against the whole
// HTTP handler, on SQLite and PostgreSQL.
package api_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/config"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// fixture is a running instance with an admin, an agent and a requester,
// each with an API client.
type fixture struct {
	*apptest.Env
	admin     *client.Client
	agent     *user.Actor
	agentC    *client.Client
	requester *user.Actor
	reqC      *client.Client
}

func newFixture(t *testing.T, d *db.DB, options ...func(*config.Config)) *fixture {
	t.Helper()
	e := apptest.Server(t, d, options...)
	f := &fixture{Env: e, admin: e.Client}
	f.agent = apptest.User(t, e.Services, user.RoleAgent, "")
	f.agentC = e.ClientFor(t, f.agent)
	f.requester = apptest.User(t, e.Services, user.RoleRequester, "")
	f.reqC = e.ClientFor(t, f.requester)
	return f
}

// forEachDB runs fn in parallel on a fresh fixture per database.
func forEachDB(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	t.Parallel()
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		fn(t, newFixture(t, d))
	})
}

// user creates a user of role and returns it with a client.
func (f *fixture) user(t *testing.T, role user.Role, email string) (*user.Actor, *client.Client) {
	t.Helper()
	a := apptest.User(t, f.Services, role, email)
	return a, f.ClientFor(t, a)
}

// ticket creates a ticket through the API as the admin; a missing
// requester becomes a fresh one.
func (f *fixture) ticket(t *testing.T, in client.NewTicket) *client.Ticket {
	t.Helper()
	if in.Requester == nil {
		in.Requester = &client.Contact{Email: uniqueEmail("req"), Name: "Requester"}
	}
	return createTicket(t, f.admin, in)
}

func createTicket(t *testing.T, c *client.Client, in client.NewTicket) *client.Ticket {
	t.Helper()
	if in.Subject == "" {
		in.Subject = "Something is broken"
	}
	if in.Body == "" {
		in.Body = "Please help."
	}
	tk, err := c.CreateTicket(t.Context(), in)
	if err != nil {
		t.Fatalf("create ticket %q: %v", in.Subject, err)
	}
	return tk
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantStatus fails unless err is an API error with status.
func wantStatus(t *testing.T, err error, status int) *client.Error {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v, want an API error %d", err, status)
	}
	if e.Status != status {
		t.Fatalf("got %v, want status %d", err, status)
	}
	return e
}

// wantField fails unless err is a 422 naming field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	e := wantStatus(t, err, http.StatusUnprocessableEntity)
	var names []string
	for _, fe := range e.Errors {
		if fe.Field == field {
			if fe.Message == "" {
				t.Errorf("field %s has an empty message", field)
			}
			return
		}
		names = append(names, fe.Field)
	}
	t.Fatalf("422 names fields %v, want %q (%v)", names, field, err)
}

// rawResult is the outcome of a request sent without the client.
type rawResult struct {
	status  int
	header  http.Header
	body    []byte
	problem client.Error
}

// raw sends body as is, for requests the client cannot produce
// (malformed JSON, odd headers).
func raw(t *testing.T, baseURL, token, method, path, contentType string, body []byte) rawResult {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, baseURL+path, bytes.NewReader(body))
	check(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	check(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	check(t, err)
	r := rawResult{status: resp.StatusCode, header: resp.Header, body: b}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		if err := json.Unmarshal(b, &r.problem); err != nil {
			t.Fatalf("problem body %q: %v", b, err)
		}
	}
	return r
}

// numbers returns the ticket numbers of a page, in order.
func numbers(ts []client.Ticket) []int64 {
	out := make([]int64, len(ts))
	for i, tk := range ts {
		out[i] = tk.Number
	}
	return out
}

// sorted returns the numbers in ascending order.
func sorted(ns ...int64) []int64 {
	out := slices.Clone(ns)
	slices.Sort(out)
	return out
}

// listNumbers lists every ticket c sees matching f and returns the sorted
// numbers.
func listNumbers(t *testing.T, c *client.Client, f client.TicketFilter) []int64 {
	t.Helper()
	f.Limit = 200
	p, err := c.ListTickets(t.Context(), f)
	if err != nil {
		t.Fatalf("list %+v: %v", f, err)
	}
	if p.NextCursor != nil {
		t.Fatalf("list %+v: more than one page", f)
	}
	return sorted(numbers(p.Items)...)
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

var seq atomic.Int64

// uniqueEmail returns an address no other test uses.
func uniqueEmail(prefix string) string {
	return fmt.Sprintf("%s-%d@example.test", prefix, seq.Add(1))
}

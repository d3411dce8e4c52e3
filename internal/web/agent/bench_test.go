package agent_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// The page benchmarks measure the server's time for the two pages agents
// load all day, over 100,000 tickets in SQLite (DOCKET_BENCH_TICKETS
// overrides the count). They call the application's handler directly, with
// the middleware, so the network and the browser are left out. The target
// is a median under 5 ms; p50 and p99 are reported per benchmark.
//
//	go test -run '^$' -bench Page ./internal/web/agent/

func benchTickets() int {
	if n, err := strconv.Atoi(os.Getenv("DOCKET_BENCH_TICKETS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

type pageBench struct {
	h      http.Handler
	cookie *http.Cookie
	ticket int64 // a ticket with 20 messages
}

// A mix is how the bulk tickets are spread over statuses.
type mix struct {
	name   string
	status string // SQL over i, the row's sequence number
}

// mixes: every ticket still to do (the worst case for the view counts, and
// what the ticket package's benchmarks use), and a desk's usual history,
// where four in five tickets are closed.
var mixes = []mix{
	{"all_active", `CASE WHEN i % 3 = 0 THEN 'open' ELSE 'new' END`},
	{"mostly_closed", `CASE i % 20 WHEN 0 THEN 'new' WHEN 1 THEN 'open' WHEN 2 THEN 'pending' WHEN 3 THEN 'on_hold' ELSE 'closed' END`},
}

// seedPages builds a database with benchTickets() tickets and a signed-in
// agent, one of 20, in one of three teams. A few hundred tickets go through
// the service (with messages); the rest are bulk-inserted with SQL, as the
// ticket package's benchmarks do, so that setup takes seconds. Bulk tickets
// are spread over the agents (one in five unassigned) and the teams (one
// in four without).
func seedPages(b *testing.B, m mix) *pageBench {
	b.Helper()
	ctx := context.Background()
	d := apptest.DB(b, db.SQLite)
	s := apptest.Services(b, d)
	admin := apptest.User(b, s, user.RoleAdmin, "bench-admin@example.test")
	agents := []*user.Actor{apptest.User(b, s, user.RoleAgent, "bench-agent@example.test")}
	for len(agents) < 20 {
		agents = append(agents, apptest.User(b, s, user.RoleAgent, ""))
	}
	var teams []string
	var teamIDs []int64
	for i, name := range []string{"Service desk", "Networking", "Facilities"} {
		in := user.TeamInput{Name: &name}
		if i == 0 {
			in.Members = &[]string{agents[0].Email}
		}
		tm, err := s.Users.CreateTeam(ctx, admin, in)
		if err != nil {
			b.Fatal(err)
		}
		teams, teamIDs = append(teams, name), append(teamIDs, tm.ID)
	}
	agent := apptest.Actor(b, s, agents[0])
	first := apptest.Ticket(b, s, agent, func(n *ticket.NewTicket) { n.Team = teams[0]; n.Assignee = agent.Email })
	for i := 0; i < 19; i++ {
		if _, err := s.Tickets.Reply(ctx, agent, first.Number, ticket.NewReply{Body: fmt.Sprintf("Reply %d with **markdown**:\n\n- one\n- two\n\n`code`", i),
			Internal: i%5 == 4}); err != nil {
			b.Fatal(err)
		}
	}
	const viaService = 300
	for i := 1; i < viaService; i++ {
		apptest.Ticket(b, s, agent, func(n *ticket.NewTicket) {
			n.Team = teams[i%len(teams)]
			n.Assignee = agents[i%len(agents)].Email
			n.Tags = []string{"tag" + strconv.Itoa(i%5)}
		})
	}
	if n := benchTickets(); n > viaService {
		assignee := "CASE WHEN i % 25 < 5 THEN NULL"
		for k, a := range agents {
			assignee += fmt.Sprintf(" WHEN i %% 25 = %d THEN %d", k+5, a.ID)
		}
		assignee += " END"
		team := fmt.Sprintf("CASE i %% 4 WHEN 1 THEN %d WHEN 2 THEN %d WHEN 3 THEN %d END", teamIDs[0], teamIDs[1], teamIDs[2])
		if err := apptest.BulkTickets(ctx, d, n-viaService, m.status, "(SELECT MIN(id) FROM users)", assignee, team); err != nil {
			b.Fatal(err)
		}
	}
	secret, _, err := s.Auth.StartSession(ctx, agent.ID, "", "")
	if err != nil {
		b.Fatal(err)
	}
	h, _, err := app.Handler(s, apptest.Config(b), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	return &pageBench{h: h, cookie: &http.Cookie{Name: "docket_session", Value: secret}, ticket: first.Number}
}

// benchPage GETs path as the signed-in agent b.N times, checking the first
// answer, and reports the median and 99th percentile of the server's time.
func benchPage(b *testing.B, p *pageBench, path string, check func(body string) error) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.AddCookie(p.cookie)
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
	}
	if err := check(rec.Body.String()); err != nil {
		b.Fatalf("GET %s: %v", path, err)
	}
	var times []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(p.cookie)
		rec := httptest.NewRecorder()
		start := time.Now()
		p.h.ServeHTTP(rec, req)
		times = append(times, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d", path, rec.Code)
		}
	}
	slices.Sort(times)
	pct := func(q float64) float64 {
		return float64(times[min(len(times)-1, int(q*float64(len(times))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkQueuePage is the "All open" queue: 50 rows, newest activity first,
// with the view counts in the side bar.
func BenchmarkQueuePage(b *testing.B) {
	for _, m := range mixes {
		b.Run(m.name, func(b *testing.B) {
			p := seedPages(b, m)
			benchPage(b, p, "/tickets?view=open", func(body string) error {
				if n := strings.Count(body, `<tr data-href=`); n != 50 {
					return fmt.Errorf("%d rows, want 50", n)
				}
				return nil
			})
		})
	}
}

// BenchmarkTicketPage is a ticket with 20 messages.
func BenchmarkTicketPage(b *testing.B) {
	for _, m := range mixes {
		b.Run(m.name, func(b *testing.B) {
			p := seedPages(b, m)
			benchPage(b, p, "/tickets/"+strconv.FormatInt(p.ticket, 10), func(body string) error {
				if n := strings.Count(body, `<article class="msg`); n != 20 {
					return fmt.Errorf("%d messages, want 20", n)
				}
				return nil
			})
		})
	}
}

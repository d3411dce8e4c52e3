package ticket_test

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// benchTickets is how many tickets the read benchmarks run against;
// DOCKET_BENCH_TICKETS overrides it.
func benchTickets() int {
	if n, err := strconv.Atoi(os.Getenv("DOCKET_BENCH_TICKETS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

type benchEnv struct {
	s     *app.Services
	agent *user.Actor
	first int64 // a ticket number with 20 messages
}

// seeded returns a database with benchTickets() tickets. Tickets after the
// first thousand are bulk-inserted with SQL (their search documents
// included) so setup takes seconds, not minutes; the read paths see the same
// rows either way. Call it from the top-level benchmark: it lives until that
// benchmark ends.
func seeded(b *testing.B, dialect db.Dialect) *benchEnv {
	d := apptest.DB(b, dialect)
	s := apptest.Services(b, d)
	agent := apptest.User(b, s, user.RoleAgent, "bench-agent@example.test")
	first := apptest.Ticket(b, s, agent)
	for i := 0; i < 19; i++ {
		if _, err := s.Tickets.Reply(ctx, agent, first.Number, ticket.NewReply{Body: fmt.Sprintf("Reply %d with **markdown**.", i)}); err != nil {
			b.Fatal(err)
		}
	}
	for i := 1; i < 1000; i++ {
		apptest.Ticket(b, s, agent)
	}
	if n := benchTickets(); n > 1000 {
		if err := bulkInsert(d, n-1000); err != nil {
			b.Fatal(err)
		}
	}
	return &benchEnv{s: s, agent: agent, first: first.Number}
}

// forSeeded seeds one database per dialect and runs fn as a sub-benchmark
// on each.
func forSeeded(b *testing.B, fn func(b *testing.B, e *benchEnv)) {
	for _, dialect := range apptest.Dialects {
		// Seeded under the top-level benchmark, whose function runs once; a
		// sub-benchmark's cleanups run after every b.N round.
		e := seeded(b, dialect)
		b.Run(string(dialect), func(b *testing.B) { fn(b, e) })
	}
}

func bulkInsert(d *db.DB, n int) error {
	var gen string
	if d.Dialect == db.Postgres {
		gen = "SELECT g AS i FROM generate_series(1, " + strconv.Itoa(n) + ") g"
	} else {
		gen = "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < " + strconv.Itoa(n) + ") SELECT i FROM s"
	}
	stmts := []string{
		`INSERT INTO tickets (uid, number, type, subject, status, priority, requester_id, channel, created_at, updated_at)
		 SELECT 'bulk-' || i, 100000 + i, 'incident', 'Bulk ticket ' || i, CASE WHEN i % 3 = 0 THEN 'open' ELSE 'new' END,
		        1 + i % 4, (SELECT MIN(id) FROM users), 'api', 1700000000000000 + CAST(i AS BIGINT) * 1000000,
		        1700000000000000 + CAST(i AS BIGINT) * 1000000
		 FROM (` + gen + `) g`,
		`INSERT INTO search_docs (ticket_id, internal, body, terms) SELECT id, FALSE, subject, LOWER(subject) FROM tickets WHERE uid LIKE 'bulk-%'`,
	}
	stmts = append(stmts, "ANALYZE")
	for _, q := range stmts {
		if _, err := d.W.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("bulk insert: %w", err)
		}
	}
	return nil
}

func forDialects(b *testing.B, fn func(b *testing.B, dialect db.Dialect)) {
	for _, dialect := range apptest.Dialects {
		b.Run(string(dialect), func(b *testing.B) { fn(b, dialect) })
	}
}

func BenchmarkCreateTicket(b *testing.B) {
	forDialects(b, func(b *testing.B, dialect db.Dialect) {
		s := apptest.Services(b, apptest.DB(b, dialect))
		agent := apptest.User(b, s, user.RoleAgent, "")
		in := ticket.NewTicket{Subject: "Printer jams on every page", Body: "The **printer** on floor 3 jams.",
			Requester: &ticket.Contact{Email: "bench@example.test", Name: "Bench"}, Tags: []string{"printer"}}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := s.Tickets.Create(ctx, agent, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAddMessage(b *testing.B) {
	forDialects(b, func(b *testing.B, dialect db.Dialect) {
		s := apptest.Services(b, apptest.DB(b, dialect))
		agent := apptest.User(b, s, user.RoleAgent, "")
		tk := apptest.Ticket(b, s, agent)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Have you tried turning it **off and on**?", Internal: i%2 == 0}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkGetTicket(b *testing.B) {
	forSeeded(b, func(b *testing.B, e *benchEnv) {
		for i := 0; i < b.N; i++ {
			if _, err := e.s.Tickets.Get(ctx, e.agent, e.first); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkGetTicketWithMessages(b *testing.B) {
	forSeeded(b, func(b *testing.B, e *benchEnv) {
		for i := 0; i < b.N; i++ {
			if _, err := e.s.Tickets.Get(ctx, e.agent, e.first); err != nil {
				b.Fatal(err)
			}
			ms, err := e.s.Tickets.Messages(ctx, e.agent, e.first, 0, 50)
			if err != nil || len(ms) != 20 {
				b.Fatalf("%d messages, %v", len(ms), err)
			}
		}
	})
}

// BenchmarkListPage lists the third 50-row page (keyset pagination costs
// the same on every page) of 100,000 tickets.
func BenchmarkListPage(b *testing.B) {
	cases := []struct {
		name string
		f    ticket.Filter
	}{
		{"recent", ticket.Filter{Limit: 50}},
		{"status_open", ticket.Filter{Limit: 50, Status: []ticket.Status{ticket.StatusOpen}}},
		{"priority", ticket.Filter{Limit: 50, Sort: "priority"}},
		{"search", ticket.Filter{Limit: 50}},
	}
	forSeeded(b, func(b *testing.B, e *benchEnv) {
		for _, c := range cases {
			b.Run(c.name, func(b *testing.B) {
				f := c.f
				if c.name == "search" {
					f.Text, _ = search.Parse("bulk ticket")
				}
				for p := 0; p < 2; p++ {
					_, next, err := e.s.Tickets.List(ctx, e.agent, f)
					if err != nil {
						b.Fatal(err)
					}
					f.Cursor = next
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					ts, _, err := e.s.Tickets.List(ctx, e.agent, f)
					if err != nil || len(ts) != 50 {
						b.Fatalf("%d rows, %v", len(ts), err)
					}
				}
			})
		}
	})
}

// BenchmarkCreateTicketParallel creates tickets from 32 goroutines at once
// (on 2 cores): on SQLite their transactions share commits.
func BenchmarkCreateTicketParallel(b *testing.B) {
	forDialects(b, func(b *testing.B, dialect db.Dialect) {
		s := apptest.Services(b, apptest.DB(b, dialect))
		agent := apptest.User(b, s, user.RoleAgent, "")
		in := ticket.NewTicket{Subject: "Printer jams on every page", Body: "The **printer** on floor 3 jams.",
			Requester: &ticket.Contact{Email: "bench@example.test", Name: "Bench"}, Tags: []string{"printer"}}
		b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Tickets.Create(ctx, agent, in); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkAddMessageParallel replies from 32 goroutines at once to 32
// tickets.
func BenchmarkAddMessageParallel(b *testing.B) {
	forDialects(b, func(b *testing.B, dialect db.Dialect) {
		s := apptest.Services(b, apptest.DB(b, dialect))
		agent := apptest.User(b, s, user.RoleAgent, "")
		var numbers []int64
		for range 32 {
			numbers = append(numbers, apptest.Ticket(b, s, agent).Number)
		}
		var next atomic.Int64
		b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			n := numbers[int(next.Add(1))%len(numbers)]
			for pb.Next() {
				if _, err := s.Tickets.Reply(ctx, agent, n, ticket.NewReply{Body: "Have you tried turning it **off and on**?"}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

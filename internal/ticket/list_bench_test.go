package ticket_test

import (
	"encoding/json"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// listDeepPage is the page the deep half of BenchmarkListViews reads (or
// the view's last page, when it has fewer).
const listDeepPage = 20

// BenchmarkListViews lists every built-in view in every order the queue
// offers among benchTickets() tickets in a help desk's mix (seedListMix),
// 8 lists at a time, alternating the first 50-row page and the page about
// 20 pages in (by its keyset cursor), and reports the latency's min, p50
// and p99 per view and order; on PostgreSQL also the buffers the deep
// page's query touched (shared hit + read), a figure the shared machine
// does not disturb. DOCKET_BENCH_DIALECT=sqlite or postgres runs one
// engine.
func BenchmarkListViews(b *testing.B) {
	for _, dialect := range apptest.Dialects {
		if only := os.Getenv("DOCKET_BENCH_DIALECT"); only != "" && only != string(dialect) {
			continue
		}
		d := apptest.DB(b, dialect)
		s := apptest.Services(b, d)
		start := time.Now()
		agent := seedListMix(b, s, benchTickets(), true)
		b.Logf("%s: seeded %d tickets in %s", dialect, benchTickets(), time.Since(start).Round(time.Second))
		b.Run(string(dialect), func(b *testing.B) {
			for _, v := range listViews {
				for _, sort := range listSorts {
					b.Run(v.name+"/"+sort, func(b *testing.B) {
						benchListView(b, s.Tickets, d, agent, v.filter(agent), sort)
					})
				}
			}
		})
	}
}

func benchListView(b *testing.B, svc *ticket.Service, d *db.DB, a *user.Actor, f ticket.Filter, sort string) {
	f.Sort, f.Limit = sort, 50
	first := f
	deep, page := f, 1
	var query string
	var args []any
	svc.TraceQueries(func(q string, a []any) { query, args = q, a })
	for ; page < listDeepPage; page++ {
		_, next, err := svc.List(ctx, a, deep)
		if err != nil {
			b.Fatal(err)
		}
		if next == "" {
			break
		}
		deep.Cursor = next
	}
	if _, _, err := svc.List(ctx, a, deep); err != nil {
		b.Fatal(err)
	}
	svc.TraceQueries(nil)
	timedParallel(b, func(n int64) error {
		f := first
		if n%2 == 0 {
			f = deep
		}
		_, _, err := svc.List(ctx, a, f)
		return err
	})
	b.ReportMetric(float64(page), "deep-page")
	if d.Dialect == db.Postgres && query != "" {
		e := pgExplain(b, d, query, args)
		b.ReportMetric(float64(e.buffers), "buffers")
		b.ReportMetric(e.planning, "plan-ms")
		b.ReportMetric(e.execution, "exec-ms")
	}
}

// timedParallel runs fn 8 at a time on 2 cores (n counts the calls from
// 1) and reports its latency's min, p50 and p99.
func timedParallel(b *testing.B, fn func(n int64) error) {
	var mu sync.Mutex
	var took []time.Duration
	var n atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			if err := fn(n.Add(1)); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		took = append(took, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	if len(took) == 0 {
		return
	}
	slices.Sort(took)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(took[0]), "min-ms")
	b.ReportMetric(ms(took[len(took)/2]), "p50-ms")
	b.ReportMetric(ms(took[len(took)*99/100]), "p99-ms")
}

// pgExplained is what EXPLAIN (ANALYZE, BUFFERS) says of a statement:
// the shared buffers it touched (hit + read) and its planning and
// execution time in milliseconds, on an otherwise idle connection.
type pgExplained struct {
	buffers             int64
	planning, execution float64
}

// pgExplain runs query under EXPLAIN (ANALYZE, BUFFERS).
func pgExplain(b *testing.B, d *db.DB, query string, args []any) pgExplained {
	var out string
	if err := d.R.QueryRowContext(ctx, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+query, args...).Scan(&out); err != nil {
		b.Fatal(err)
	}
	var plan []struct {
		Plan struct {
			Hit  int64 `json:"Shared Hit Blocks"`
			Read int64 `json:"Shared Read Blocks"`
		} `json:"Plan"`
		Planning  float64 `json:"Planning Time"`
		Execution float64 `json:"Execution Time"`
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil || len(plan) == 0 {
		b.Fatalf("explain: %v", err)
	}
	return pgExplained{plan[0].Plan.Hit + plan[0].Plan.Read, plan[0].Planning, plan[0].Execution}
}

package app_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/apptest"
)

// BenchmarkCreateThroughInstances creates tickets through the HTTP API at a
// concurrency of 32 (DOCKET_BENCH_CONCURRENCY), spread over 1 and 3 `docket
// serve` processes on one PostgreSQL database, for DOCKET_BENCH_SECONDS
// (5) each, and reports creates per second and latency percentiles. Each
// create is durable when answered and writes its domain event and its
// acknowledgement email row in the same transaction.
func BenchmarkCreateThroughInstances(b *testing.B) {
	conc := envInt("DOCKET_BENCH_CONCURRENCY", 32)
	secs := envInt("DOCKET_BENCH_SECONDS", 5)
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) {
			dbURL := apptest.PostgresURL(b)
			env := map[string]string{"DOCKET_SECRET_KEY": apptest.SecretKey}
			if r := run(b, "", env, "user", "create", "--email", "admin@example.com", "--role", "admin", "--database-url", dbURL); r.code != 0 {
				b.Fatal(r.stderr)
			}
			tok := strings.TrimSpace(run(b, "", env, "token", "create", "--user", "admin@example.com", "--name", "t", "--database-url", dbURL).stdout)
			var urls []string
			for range n {
				urls = append(urls, startInstance(b, dbURL).url)
			}
			b.ResetTimer()
			for range b.N {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(secs)*time.Second)
				var mu sync.Mutex
				var lat []time.Duration
				var wg sync.WaitGroup
				start := time.Now()
				for w := range conc {
					wg.Add(1)
					go func() {
						defer wg.Done()
						c := client.New(urls[w%len(urls)], tok)
						var mine []time.Duration
						for i := 0; ctx.Err() == nil; i++ {
							t0 := time.Now()
							_, err := c.Do(ctx, "POST", "/api/v1/tickets", map[string]any{"subject": fmt.Sprintf("bench %d %d", w, i),
								"body": "The printer is on fire.", "requester": map[string]string{"email": fmt.Sprintf("r%d@example.org", w)}}, nil)
							if err == nil {
								mine = append(mine, time.Since(t0))
							}
						}
						mu.Lock()
						lat = append(lat, mine...)
						mu.Unlock()
					}()
				}
				wg.Wait()
				cancel()
				took := time.Since(start)
				slices.Sort(lat)
				if len(lat) == 0 {
					b.Fatal("no ticket was created")
				}
				pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
				b.ReportMetric(float64(len(lat))/took.Seconds(), "creates/s")
				b.ReportMetric(pct(0.50), "p50-ms")
				b.ReportMetric(pct(0.99), "p99-ms")
			}
		})
	}
}

func envInt(name string, def int) int {
	var n int
	if _, err := fmt.Sscan(os.Getenv(name), &n); err != nil || n <= 0 {
		return def
	}
	return n
}

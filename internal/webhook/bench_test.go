package webhook_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/webhook"
)

// BenchmarkDrain writes DOCKET_BENCH_DELIVERIES (10,000) ticket events
// spread over 100 tickets and measures the time until a local receiver
// has got every delivery and each is recorded as succeeded: the event
// consumer queueing them, the jobs sending them in order per ticket, signed,
// and recording each outcome. Reported as seconds to drain and deliveries
// per second, on SQLite and PostgreSQL.
func BenchmarkDrain(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("DOCKET_BENCH_DELIVERIES")); err == nil && v > 0 {
		n = v
	}
	for _, dialect := range apptest.Dialects {
		b.Run(string(dialect), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				d := apptest.DB(b, dialect)
				s := apptest.Services(b, d)
				admin := apptest.User(b, s, "admin", "")
				rcv := newBenchReceiver(b)
				url := rcv.URL
				if _, err := s.Webhooks.Create(context.Background(), admin, webhook.Input{URL: &url,
					Events: &[]string{event.TicketUpdated}, Secret: ptr(testSecret), AllowPrivateHost: ptr(true)}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				writeEvents(b, s.Events, d, n)
				ctx := context.Background()
				for {
					var done int
					if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'succeeded'`).Scan(&done); err != nil {
						b.Fatal(err)
					}
					if done == n {
						break
					}
					if time.Since(start) > 5*time.Minute {
						b.Fatalf("only %d of %d deliveries after 5 minutes", done, n)
					}
					time.Sleep(20 * time.Millisecond)
				}
				took := time.Since(start)
				b.ReportMetric(took.Seconds(), "s/drain")
				b.ReportMetric(float64(n)/took.Seconds(), "deliveries/s")
				if got := rcv.count.Load(); got < int64(n) {
					b.Fatalf("the receiver got %d of %d", got, n)
				}
			}
		})
	}
}

// writeEvents appends n ticket.updated events over 100 tickets, 500 per
// transaction, as a burst of ticket writes would.
func writeEvents(b *testing.B, log *event.Log, d *db.DB, n int) {
	b.Helper()
	ctx := context.Background()
	for i := 0; i < n; {
		err := d.WithTx(ctx, func(tx *db.Tx) error {
			for j := 0; j < 500 && i < n; j, i = j+1, i+1 {
				t := int64(i%100 + 1)
				if _, err := log.Append(ctx, tx, event.TicketUpdated, event.Actor{Type: event.ActorSystem, Name: "bench"}, "ticket", t, t,
					event.TicketPayload{Number: 1000 + t, Fields: []string{"priority"}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(fmt.Errorf("write events: %w", err))
		}
	}
}

package automation_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// benchServices builds the services on a fresh SQLite database without
// starting their background work (no pump, no job runner), places the
// event consumers' checkpoints at the head, and stores n enabled triggers
// on ticket.created, each with a tag condition and a set action. With
// match, the first trigger's condition holds for every ticket
// (benchTicket's tag); no other one does.
func benchServices(b *testing.B, n int, match bool) (*app.Services, *user.Actor) {
	b.Helper()
	ctx := context.Background()
	d := apptest.DB(b, db.SQLite)
	s, err := app.Build(ctx, d, apptest.Config(b), slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	s.Pump.Init(ctx)
	admin := apptest.User(b, s, user.RoleAdmin, "")
	for i := range n {
		tag := fmt.Sprintf("t%d", i)
		if match && i == 0 {
			tag = "printer"
		}
		name, events := fmt.Sprintf("Rule %d", i), []string{event.TicketCreated}
		conds := automation.Conditions{All: []automation.Condition{{Field: "tag", Op: automation.OpIs, Value: tag}}}
		acts := automation.Actions{{Type: automation.ActSet, Field: "priority", Value: "p1"}}
		if _, err := s.Automation.Create(ctx, admin, automation.Input{Name: &name, Events: &events, Conditions: &conds, Actions: &acts}); err != nil {
			b.Fatal(err)
		}
	}
	return s, admin
}

var benchTicket = ticket.NewTicket{Subject: "Printer on fire", Body: "Smoke.", Tags: []string{"printer"},
	Requester: &ticket.Contact{Email: "ann@example.test"}}

// BenchmarkCreateWithTriggers measures what the budget is about: the
// create request — POST /api/v1/tickets through Docket's whole HTTP
// handler, in process, on SQLite — with no triggers and with 50 enabled
// ones on ticket.created. Triggers run in their durable consumer after the
// commit, not in the request; the consumer is not running here, and its
// work is measured by BenchmarkTriggerConsumer (BENCHMARKS.md). "paired"
// alternates one request on each database and reports the medians and
// their difference, which a loaded machine disturbs far less than two
// runs one after the other.
func BenchmarkCreateWithTriggers(b *testing.B) {
	for _, n := range []int{0, 50} {
		b.Run(fmt.Sprintf("triggers=%d", n), func(b *testing.B) {
			create := createRequest(b, n)
			b.ResetTimer()
			for b.Loop() {
				create()
			}
		})
	}
	b.Run("paired", func(b *testing.B) {
		none, fifty := createRequest(b, 0), createRequest(b, 50)
		var d0, d50 []time.Duration
		b.ResetTimer()
		for b.Loop() {
			t := time.Now()
			none()
			d0 = append(d0, time.Since(t))
			t = time.Now()
			fifty()
			d50 = append(d50, time.Since(t))
		}
		m0, m50 := median(d0), median(d50)
		b.ReportMetric(float64(m0.Microseconds()), "µs-median/0")
		b.ReportMetric(float64(m50.Microseconds()), "µs-median/50")
		b.ReportMetric(float64((m50 - m0).Microseconds()), "µs-extra")
	})
}

// createRequest builds a database with n triggers and returns a function
// that sends it one create request.
func createRequest(b *testing.B, n int) func() {
	s, admin := benchServices(b, n, false)
	h, _, err := app.Handler(s, apptest.Config(b), slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	auth := "Bearer " + apptest.Token(b, s, admin)
	const body = `{"subject":"Printer on fire","body":"Smoke.","tags":["printer"],"requester":{"email":"ann@example.test"}}`
	return func() {
		r := httptest.NewRequest("POST", "/api/v1/tickets", strings.NewReader(body))
		r.Header.Set("Authorization", auth)
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusCreated {
			b.Fatalf("create: %d %s", w.Code, w.Body)
		}
	}
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// BenchmarkTriggerConsumer measures the triggers consumer's work after
// the commit, per ticket created (op = one ticket's events, counted as
// events/op): reading the enabled triggers, loading the ticket, evaluating
// every trigger's conditions, and with one matching, applying its action
// (an update with its history and event) and logging the run. The events
// are written before the timer starts; the consumer then drains them in
// its batches of 100, each in one transaction with its checkpoint, as the
// pump runs it.
func BenchmarkTriggerConsumer(b *testing.B) {
	for _, c := range []struct {
		name  string
		n     int
		match bool
	}{{"triggers=0", 0, false}, {"triggers=50/none-match", 50, false}, {"triggers=50/one-applies", 50, true}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			s, admin := benchServices(b, c.n, c.match)
			cons := s.Automation.Consumer()
			if _, err := cons.Drain(ctx, s.Events); err != nil { // the triggers' own events
				b.Fatal(err)
			}
			var last *ticket.Ticket
			for range b.N {
				var err error
				if last, err = s.Tickets.Create(ctx, admin, benchTicket); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			total := 0
			for {
				n, err := cons.Drain(ctx, s.Events)
				if err != nil {
					b.Fatal(err)
				}
				if n == 0 {
					break
				}
				total += n
			}
			b.StopTimer()
			b.ReportMetric(float64(total)/float64(b.N), "events/op")
			if c.match {
				got, err := s.Tickets.Get(ctx, admin, last.Number)
				if err != nil {
					b.Fatal(err)
				}
				if got.Priority.String() != "p1" {
					b.Fatalf("the matching trigger did not apply: priority %s", got.Priority)
				}
			}
		})
	}
}

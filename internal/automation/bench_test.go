package automation_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// BenchmarkCreateWithTriggers measures creating a ticket on SQLite with
// no triggers and with 50 enabled ones (run on ticket.created). The
// triggers run in their consumer after the commit; the create path itself
// must not grow (BENCHMARKS.md).
func BenchmarkCreateWithTriggers(b *testing.B) {
	for _, n := range []int{0, 50} {
		b.Run(fmt.Sprintf("triggers=%d", n), func(b *testing.B) {
			ctx := context.Background()
			d := apptest.DB(b, db.SQLite)
			s, err := app.Build(ctx, d, apptest.Config(b), slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			admin := apptest.User(b, s, user.RoleAdmin, "")
			for i := range n {
				name, events := fmt.Sprintf("Rule %d", i), []string{event.TicketCreated}
				conds := automation.Conditions{All: []automation.Condition{{Field: "tag", Op: automation.OpIs, Value: fmt.Sprintf("t%d", i)}}}
				acts := automation.Actions{{Type: automation.ActSet, Field: "priority", Value: "p1"}}
				if _, err := s.Automation.Create(ctx, admin, automation.Input{Name: &name, Events: &events, Conditions: &conds, Actions: &acts}); err != nil {
					b.Fatal(err)
				}
			}
			in := ticket.NewTicket{Subject: "Printer on fire", Body: "Smoke.", Requester: &ticket.Contact{Email: "ann@example.test"}}
			b.ResetTimer()
			for b.Loop() {
				if _, err := s.Tickets.Create(ctx, admin, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

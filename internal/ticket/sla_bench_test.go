package ticket_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
)

// withClocks gives every seeded ticket a running resolution clock whose due
// times spread from 1,000 minutes overdue to 9,000 minutes ahead, warning
// 480 minutes before; every 20th ticket's clock is paused. About 5 % of the
// tickets are then at risk and 10 % overdue, their breach recorded as the
// timer records it.
func withClocks(b *testing.B, d *db.DB) {
	now := strconv.FormatInt(time.Now().UnixMicro(), 10)
	due := "(" + now + " + (CAST(id AS BIGINT) * 7919 % 10000 - 1000) * 60000000)"
	for _, q := range []string{
		`INSERT INTO sla_clocks (ticket_id, target, goal_minutes, started_at, paused_at, warn_at, due_at, breached_at, escalated_at)
		 SELECT id, 'resolution', 2400, created_at,
		        CASE WHEN id % 20 = 0 THEN ` + now + ` END,
		        CASE WHEN id % 20 <> 0 THEN ` + due + ` - 480 * CAST(60000000 AS BIGINT) END,
		        CASE WHEN id % 20 <> 0 THEN ` + due + ` END,
		        CASE WHEN id % 20 <> 0 AND ` + due + ` <= ` + now + ` THEN ` + due + ` END,
		        CASE WHEN id % 20 <> 0 AND ` + due + ` <= ` + now + ` THEN ` + due + ` END
		 FROM tickets`,
		`UPDATE tickets SET due_at = (SELECT MIN(c.due_at) FROM sla_clocks c WHERE c.ticket_id = tickets.id AND c.stopped_at IS NULL),
		        warn_at = (SELECT MIN(c.warn_at) FROM sla_clocks c WHERE c.ticket_id = tickets.id AND c.stopped_at IS NULL
		                   AND c.breached_at IS NULL)`,
		"ANALYZE",
	} {
		if _, err := d.W.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSLAViews lists the first 50-row page of the "At risk" and
// "Breached" queues (open tickets, soonest due first) among 100,000 open
// tickets with clocks, and counts them as the sidebar does.
func BenchmarkSLAViews(b *testing.B) {
	active := []ticket.Status{ticket.StatusNew, ticket.StatusOpen, ticket.StatusPending, ticket.StatusOnHold}
	cases := []struct {
		name  string
		f     ticket.Filter
		count bool
	}{
		{"at_risk", ticket.Filter{Status: active, SLA: []string{"at_risk"}, Sort: "due_at", Limit: 50}, false},
		{"breached", ticket.Filter{Status: active, SLA: []string{"breached"}, Sort: "due_at", Limit: 50}, false},
		{"due_within_2h", ticket.Filter{Status: active, DueBefore: ptrTime(time.Now().Add(2 * time.Hour)), Sort: "due_at", Limit: 50}, false},
		{"all_by_due", ticket.Filter{Status: active, Sort: "due_at", Limit: 50}, false},
		{"count_at_risk", ticket.Filter{Status: active, SLA: []string{"at_risk"}}, true},
	}
	forSeeded(b, func(b *testing.B, e *benchEnv) {
		withClocks(b, e.s.DB)
		for _, c := range cases {
			b.Run(c.name, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if c.count {
						if n, err := e.s.Tickets.Count(ctx, e.agent, c.f); err != nil || n == 0 {
							b.Fatalf("%d, %v", n, err)
						}
						continue
					}
					ts, _, err := e.s.Tickets.List(ctx, e.agent, c.f)
					if err != nil || len(ts) != 50 {
						b.Fatalf("%d rows, %v", len(ts), err)
					}
				}
			})
		}
	})
}

func ptrTime(t time.Time) *time.Time { return &t }

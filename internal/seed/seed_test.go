package seed_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/seed"
	"github.com/docket/docket/internal/ticket"
)

// TestSeedWritesARealisticHelpDesk: the seeder writes the asked-for
// tickets (history, search and events included), on a running instance,
// with conversations, teams, statuses and searchable words of every
// frequency, and a merged full-text index, and refuses a database that
// has tickets.
func TestSeedWritesARealisticHelpDesk(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := apptest.Services(t, d)
		o := seed.Options{Tickets: 120, Teams: 3, Agents: 6, Requesters: 40, Organizations: 4, Messages: 3, Batch: 10, Seed: 1}
		st, err := seed.Run(ctx, seed.Deps{DB: d, Users: s.Users, Tickets: s.Tickets}, o)
		if err != nil {
			t.Fatal(err)
		}
		if st.Tickets != 120 || st.Messages < 240 || st.Messages > 480 {
			t.Fatalf("stats %+v", st)
		}
		count := func(q string) int {
			t.Helper()
			var n int
			if err := d.R.QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(`SELECT COUNT(*) FROM tickets`); n != 120 {
			t.Fatalf("%d tickets", n)
		}
		// Twelve batches wrote twelve segments of the full-text index; the
		// seed merges them as the server's search.merge job would.
		if d.Dialect == db.SQLite {
			if n := count(`SELECT COUNT(DISTINCT segid) FROM search_fts_ticket_idx`); n > 2 {
				t.Errorf("the seed left %d segments of the full-text index", n)
			}
		}
		if n := count(`SELECT COUNT(*) FROM messages`); n != st.Messages {
			t.Fatalf("%d messages, stats say %d", n, st.Messages)
		}
		// Statuses now or ever (the history): the built-in time rule,
		// running meanwhile, closes the resolved tickets older than a week,
		// so on some days the tickets alone show only closed and in play.
		if n := count(`SELECT COUNT(*) FROM (SELECT status FROM tickets UNION SELECT new_value FROM ticket_events WHERE field = 'status') s`); n < 3 {
			t.Fatalf("%d statuses", n)
		}
		// Settled conversations (older than two weeks and a bit) are closed
		// as a help desk closes them, a few left open; only the recent
		// ones are still in play.
		old := fmt.Sprint(time.Now().Add(-30 * 24 * time.Hour).UnixMicro())
		settled := count(`SELECT COUNT(*) FROM tickets WHERE created_at < ` + old)
		closed := count(`SELECT COUNT(*) FROM tickets WHERE status = 'closed' AND resolution <> '' AND created_at < ` + old)
		if settled < 100 || closed < settled*95/100 {
			t.Fatalf("%d of %d settled tickets closed: want almost all", closed, settled)
		}
		if n := count(`SELECT COUNT(*) FROM tickets WHERE status IN ('new', 'open', 'pending', 'on_hold') AND created_at >= ` + old); n == 0 {
			t.Fatal("no recent ticket in play")
		}
		if n := count(`SELECT COUNT(DISTINCT team_id) FROM tickets`); n != 3 {
			t.Fatalf("%d teams used", n)
		}
		if n := count(`SELECT COUNT(*) FROM domain_events WHERE kind = 'ticket.created'`); n != 120 {
			t.Fatalf("%d created events", n)
		}
		admin := seed.Seeder
		for _, q := range []string{"printer", "the"} {
			sq, err := search.Parse(q)
			if err != nil {
				t.Fatal(err)
			}
			ts, _, err := s.Tickets.List(ctx, admin, ticket.Filter{Text: sq, Limit: 200})
			if err != nil || len(ts) == 0 {
				t.Fatalf("search %q: %d %v", q, len(ts), err)
			}
		}
		_, err = seed.Run(ctx, seed.Deps{DB: d, Users: s.Users, Tickets: s.Tickets}, o)
		if err == nil || !strings.Contains(err.Error(), "120 tickets already") {
			t.Fatalf("second run: %v", err)
		}
	})
}

// TestSeededDeskLeavesTheTimeRuleNothingOverdue: a ticket resolved longer
// ago than the built-in rule waits is seeded closed, as the rule would
// have closed it, so a seeded desk's first start does not begin by closing
// thousands of tickets (at a million tickets: 8,857 updates in its first
// seconds, beside whatever the desk is asked to do). The ones resolved
// within the week stay resolved.
func TestSeededDeskLeavesTheTimeRuleNothingOverdue(t *testing.T) {
	ctx := context.Background()
	d := apptest.DB(t, db.SQLite)
	s := apptest.Services(t, d)
	o := seed.Options{Tickets: 1500, Teams: 3, Agents: 6, Requesters: 200, Organizations: 4, Messages: 3, Batch: 100, Seed: 1}
	if _, err := seed.Run(ctx, seed.Deps{DB: d, Users: s.Users, Tickets: s.Tickets}, o); err != nil {
		t.Fatal(err)
	}
	week := fmt.Sprint(time.Now().Add(-7 * 24 * time.Hour).UnixMicro())
	var overdue, fired, recent int
	for q, n := range map[string]*int{
		// Counted whether or not the rule has run meanwhile: it fires
		// only for tickets left resolved past its week.
		`SELECT COUNT(*) FROM tickets WHERE status = 'resolved' AND resolved_at < ` + week:  &overdue,
		`SELECT COUNT(*) FROM time_rule_fires`:                                              &fired,
		`SELECT COUNT(*) FROM tickets WHERE status = 'resolved' AND resolved_at >= ` + week: &recent,
	} {
		if err := d.R.QueryRowContext(ctx, q).Scan(n); err != nil {
			t.Fatal(err)
		}
	}
	if overdue+fired != 0 || recent == 0 {
		t.Errorf("%d tickets resolved over a week ago and %d closed by the rule, %d resolved within the week: want 0, 0 and some",
			overdue, fired, recent)
	}
}

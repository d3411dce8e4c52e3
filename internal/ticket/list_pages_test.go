package ticket_test

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestListViewPagesAreExact pages through every built-in view in every
// order, 37 rows at a time, over a help desk's mix of 3,000 tickets (many
// ties: four priorities, tickets without a due time): no ticket is
// repeated or skipped (the pages hold as many as Count finds), and each
// follows the one before in the order, ties broken by id in the order's
// direction — across the two walks of -due_at too.
func TestListViewPagesAreExact(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := seedListMix(t, s, 3000, d.Dialect == db.Postgres)
		for _, v := range listViews {
			for _, sort := range listSorts {
				pageThrough(t, s, agent, v.name, v.filter(agent), sort)
			}
		}
	})
}

// pageThrough lists f in sort's order 37 rows at a time to its end and
// checks the pages against Count: no ticket repeated or skipped, each in
// order after the one before.
func pageThrough(t *testing.T, s *app.Services, agent *user.Actor, name string, f ticket.Filter, sort string) {
	t.Helper()
	want, err := s.Tickets.Count(ctx, agent, f)
	if err != nil {
		t.Fatal(err)
	}
	f.Sort, f.Limit = sort, 37
	seen := map[int64]bool{}
	var prev *ticket.Ticket
	for pages := 0; ; pages++ {
		ts, next, err := s.Tickets.List(ctx, agent, f)
		if err != nil {
			t.Fatalf("%s %s: %v", name, sort, err)
		}
		for _, tk := range ts {
			if seen[tk.ID] {
				t.Fatalf("%s %s: ticket %d repeated on page %d", name, sort, tk.Number, pages+1)
			}
			seen[tk.ID] = true
			if prev != nil && !listedAfter(sort, prev, tk) {
				t.Fatalf("%s %s: ticket %d listed after %d, out of order", name, sort, tk.Number, prev.Number)
			}
			prev = tk
		}
		if f.Cursor = next; next == "" {
			break
		}
	}
	if len(seen) != want {
		t.Errorf("%s %s: %d tickets over the pages, %d match", name, sort, len(seen), want)
	}
}

// TestMergedListPagesAreExact pages through the lists that merge ranges of
// the team and status indexes (mergeArms), in every order, on a desk whose
// newest 2,400 tickets are new or pending, unassigned and without a team
// (a burst on top of every order, and more than SQLite reads by id:
// fewCandidates): a team by name (the load generator's team
// queue), the tickets without a team, two teams in two statuses, the
// agent's teams named twice in a status named twice, one status alone, and
// two statuses alone (on SQLite a range of each status's index; on
// PostgreSQL more ranges than a merge reads: walked). Every page is exact
// (pageThrough), and each shape is listed as it should be — on SQLite,
// Pending as one range of its status; on PostgreSQL, Pending's 21 ranges
// merged, never one arm run for each range (LATERAL, which reads a page
// from every range).
func TestMergedListPagesAreExact(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := seedListMix(t, s, 3000, d.Dialect == db.Postgres)
		gen := "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 2400) SELECT i FROM g"
		if d.Dialect == db.Postgres {
			gen = "SELECT i FROM generate_series(1, 2400) i"
		}
		now := strconv.FormatInt(time.Now().UnixMicro(), 10)
		if _, err := d.W.ExecContext(ctx, `INSERT INTO tickets (uid, number, type, subject, status, priority, requester_id, channel, created_at, updated_at)
			SELECT 'burst-' || i, 2000000 + i, 'incident', 'Burst ' || i,
			       CASE WHEN i % 2 = 0 THEN 'pending' ELSE 'new' END, 1 + i % 4,
			       (SELECT MIN(id) FROM users WHERE email LIKE 'list-requester-%'), 'email', `+now+` + i, `+now+` + i
			FROM (`+gen+`) b`); err != nil {
			t.Fatal(err)
		}
		merged, lateral := 0, 0
		s.Tickets.TraceQueries(func(query string, _ []any) {
			// A merge of team and status ranges; on SQLite a walk split at
			// its cursor is a merge too, of its own order's index.
			if isMergedWalk(query) && (d.Dialect == db.Postgres || strings.Contains(query, "INDEXED BY tickets_active_team_") ||
				strings.Contains(query, "INDEXED BY tickets_active_status_") || strings.Contains(query, "INDEXED BY tickets_status_updated")) {
				merged++
			}
			if strings.Contains(query, " CROSS JOIN LATERAL (") {
				lateral++
			}
		})
		t.Cleanup(func() { s.Tickets.TraceQueries(nil) })
		pending := []ticket.Status{ticket.StatusPending}
		for _, c := range []struct {
			name   string
			f      ticket.Filter
			merged bool
		}{
			{"team by name", ticket.Filter{Status: listActive, Team: []string{"List team 3"}}, true},
			{"no team", ticket.Filter{Status: listActive, Team: []string{"none"}}, true},
			{"two teams, open or pending", ticket.Filter{Status: []ticket.Status{ticket.StatusOpen, ticket.StatusPending},
				Team: []string{"List team 3", "List team 5"}}, true},
			{"my teams twice, pending twice", ticket.Filter{Status: append(pending, pending...),
				TeamIDs: append(slices.Clone(agent.TeamIDs), agent.TeamIDs...)}, true},
			{"pending", ticket.Filter{Status: pending}, true},
			// On SQLite two ranges by status; on PostgreSQL 42 by team and
			// status, more than a merge reads.
			{"pending or on hold", ticket.Filter{Status: []ticket.Status{ticket.StatusPending, ticket.StatusOnHold}}, d.Dialect == db.SQLite},
		} {
			for _, sort := range listSorts {
				merged, lateral = 0, 0
				pageThrough(t, s, agent, c.name, c.f, sort)
				byActivity := strings.HasSuffix(sort, "updated_at") && len(c.f.Team) == 0 && c.f.TeamIDs == nil
				want := c.merged && !(byActivity && c.name == "pending")
				if (merged > 0) != want {
					t.Errorf("%s %s: %d merged walks, want merged %v", c.name, sort, merged, want)
				}
				if lateral > 0 {
					t.Errorf("%s %s: %d walks of one arm per range, want a merge", c.name, sort, lateral)
				}
			}
		}
	})
}

// listedAfter reports whether b rightly follows a in sort's order.
func listedAfter(sort string, a, b *ticket.Ticket) bool {
	desc := strings.HasPrefix(sort, "-")
	key := func(t *ticket.Ticket) int64 {
		switch strings.TrimPrefix(sort, "-") {
		case "created_at":
			return t.CreatedAt.UnixMicro()
		case "priority":
			return int64(t.Priority)
		case "number":
			return t.Number
		case "due_at":
			switch {
			case t.DueAt != nil:
				return t.DueAt.UnixMicro()
			case desc:
				return -1 // no due time: last either way
			}
			return math.MaxInt64
		}
		return t.UpdatedAt.UnixMicro()
	}
	ka, kb := key(a), key(b)
	if desc {
		return ka > kb || ka == kb && a.ID > b.ID
	}
	return ka < kb || ka == kb && a.ID < b.ID
}

// TestPageCursorHoldsWhenItsTicketMoves: a page read by two statements
// (on PostgreSQL a search's ids and tickets, a list's tickets and their
// lookups' names) takes the next page's cursor from what the page's
// statement found: a search reads both in one snapshot, a list its tickets
// in one statement. The cursor is then where the page ended even when the
// page's last ticket is updated between the two reads:
// read after that commit, the ticket came back with its new activity time,
// and the cursor taken from it jumped past every ticket not yet listed
// (oldest activity first, the next page was empty). A ticket that moves may
// be listed twice, as in any keyset pagination; none is skipped. (SQLite's
// search reads its page's rows in the page's order again, so a ticket that
// moved cannot end the page: checked too.)
func TestPageCursorHoldsWhenItsTicketMoves(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := seedListMix(t, s, 600, false)
		t.Run("list", func(t *testing.T) {
			cursorHolds(t, s, d, agent, ticket.Filter{Status: listActive}, d.Dialect == db.Postgres)
		})
		t.Run("search", func(t *testing.T) {
			for i := range 40 {
				apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Subject = "Printer jam " + strconv.Itoa(i) })
			}
			q, err := search.Parse("printer")
			if err != nil {
				t.Fatal(err)
			}
			cursorHolds(t, s, d, agent, ticket.Filter{Text: q}, true)
		})
	})
}

// cursorHolds pages through f, oldest activity first, 10 at a time, and
// moves the first page's last ticket to the end of the order between its
// two reads; every ticket is listed. twoReads says the page is read in
// two statements (so the move happens).
func cursorHolds(t *testing.T, s *app.Services, d *db.DB, agent *user.Actor, f ticket.Filter, twoReads bool) {
	f.Sort, f.Limit = "updated_at", ticket.MaxLimit
	all, next, err := s.Tickets.List(ctx, agent, f)
	if err != nil || next != "" || len(all) < 30 {
		t.Fatalf("%d tickets (next %q), want 30 to 200: %v", len(all), next, err)
	}
	const limit = 10
	last := all[limit-1] // the first page's last ticket
	moved := 0
	s.Tickets.BetweenReads(func() {
		if moved++; moved > 1 {
			return
		}
		// Touched now, by someone else: the end of this order.
		if _, err := d.W.ExecContext(ctx, d.Rebind(`UPDATE tickets SET updated_at = $1 WHERE id = $2`),
			time.Now().Add(time.Hour).UnixMicro(), last.ID); err != nil {
			t.Error(err)
		}
	})
	defer s.Tickets.BetweenReads(nil)
	seen := map[int64]bool{}
	f.Limit = limit
	for pages := 0; pages < 100; pages++ {
		ts, next, err := s.Tickets.List(ctx, agent, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range ts {
			seen[tk.ID] = true
		}
		if f.Cursor = next; next == "" {
			break
		}
	}
	for _, tk := range all {
		if !seen[tk.ID] {
			t.Errorf("ticket %d skipped: %d of %d listed", tk.Number, len(seen), len(all))
			break
		}
	}
	if twoReads && moved == 0 {
		t.Error("no page was read in two statements")
	}
}

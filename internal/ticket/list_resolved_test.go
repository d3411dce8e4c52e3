package ticket_test

import (
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
)

// TestPostgresRecentlyResolvedWalksInOrder: on a desk where every resolved
// ticket was resolved within the week (the built-in rule closes them after
// seven days), "Recently resolved" walks the resolved tickets' index in
// each of its orders, and reads no resolved ticket's count first.
// PostgreSQL takes the status and the week's bound for independent, so
// it estimated the week's resolved tickets at a fraction of them, read
// every one through tickets_status_updated and sorted them (4–9 ms a page
// at a million tickets, against under 0.5 ms in order).
func TestPostgresRecentlyResolvedWalksInOrder(t *testing.T) {
	d := apptest.DB(t, db.Postgres)
	s := apptest.Services(t, d)
	agent := seedListMix(t, s, 120000, false)
	week := time.Now().Add(-7 * 24 * time.Hour)
	for _, q := range []string{
		`UPDATE tickets SET status = 'closed', closed_at = updated_at WHERE status = 'resolved' AND updated_at < ` +
			d.Rebind("$1"),
		`ANALYZE tickets`,
	} {
		args := []any{week.UnixMicro()}
		if !strings.Contains(q, "$") {
			args = nil
		}
		if _, err := d.W.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	resolved := ticket.Filter{Status: []ticket.Status{ticket.StatusResolved}, UpdatedAfter: &week, Limit: 50}
	if n, err := s.Tickets.Count(ctx, agent, resolved); err != nil || n <= 1000 {
		t.Fatalf("%d resolved tickets this week (%v): the walk needs more than 1,000", n, err)
	}
	_, pool := d.Pools()
	conn, err := pool.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var plans, queries []string
	s.Tickets.TraceQueries(func(query string, args []any) {
		queries = append(queries, query)
		var plan string
		if err := conn.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+query, args...).Scan(&plan); err != nil {
			t.Fatalf("explain %s: %v", query, err)
		}
		plans = append(plans, plan)
	})
	t.Cleanup(func() { s.Tickets.TraceQueries(nil) })
	for _, sort := range listSorts {
		if strings.HasSuffix(sort, "updated_at") {
			continue // tickets_status_updated is that order's walk
		}
		f := resolved
		f.Sort = sort
		for page := 1; page <= 2; page++ {
			plans, queries = nil, nil
			counted, statements := db.CountStatements(ctx)
			_, next, err := s.Tickets.List(counted, agent, f)
			if err != nil {
				t.Fatalf("%s: %v", sort, err)
			}
			want := 2 // the page's ids, then its tickets
			if sort == "-due_at" {
				want = 3 // the latest due in two parts (pageLatestDue)
			}
			if n := statements(); n > want {
				t.Errorf("%s, page %d: %d statements, want at most %d: the page's ids and tickets", sort, page, n, want)
			}
			for i, plan := range plans {
				if bad := badListPlan(d.Dialect, plan, ""); bad != "" || !strings.Contains(plan, `"tickets_resolved_`) {
					t.Errorf("%s, page %d: %s, not a walk of the resolved tickets' index\n%s\n%s", sort, page, bad, queries[i], plan)
				}
			}
			if f.Cursor = next; next == "" {
				t.Fatalf("%s: one page", sort)
			}
		}
	}
}

// TestPostgresPendingCountsNothingFirst: on PostgreSQL Pending walks every
// team's range of its status (and none's), which reads no other ticket,
// so its tickets are not counted first (up to 1,001 ids, 1 ms a list under
// load at a million tickets): a page is the teams' ids, the page's ids and
// its tickets. By activity the planner walks the status's own range.
func TestPostgresPendingCountsNothingFirst(t *testing.T) {
	d := apptest.DB(t, db.Postgres)
	s := apptest.Services(t, d)
	agent := seedListMix(t, s, 3000, false)
	var queries []string
	s.Tickets.TraceQueries(func(query string, _ []any) { queries = append(queries, query) })
	t.Cleanup(func() { s.Tickets.TraceQueries(nil) })
	for _, sort := range listSorts {
		if strings.HasSuffix(sort, "updated_at") {
			continue
		}
		queries = nil
		f := ticket.Filter{Status: []ticket.Status{ticket.StatusPending}, Sort: sort, Limit: 50}
		counted, statements := db.CountStatements(ctx)
		ts, _, err := s.Tickets.List(counted, agent, f)
		if err != nil {
			t.Fatalf("%s: %v", sort, err)
		}
		want := 3 // the teams, the page's ids, its tickets
		if sort == "-due_at" {
			want = 4 // the latest due in two parts (pageLatestDue)
		}
		for _, q := range queries {
			if !strings.Contains(q, " arm") || strings.Contains(q, "ANY(CAST(") {
				t.Errorf("Pending %s: not its teams' ranges\n%s", sort, q)
			}
		}
		if n := statements(); n != want || len(ts) == 0 {
			t.Errorf("Pending %s: %d tickets in %d statements, want some in %d: the teams, the page's ids and tickets", sort, len(ts), n, want)
		}
	}
}

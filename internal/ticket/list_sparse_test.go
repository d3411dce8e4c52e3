package ticket_test

// Lists that keep few tickets, or some statuses' tickets: read by id
// when few, else walked on their statuses' own ranges, never counted first
// when that walk reads nothing else.

import (
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
)

// readsFewByID reports whether a SQLite plan reads the list's tickets by
// id from a set of candidates (a view that keeps few tickets: the
// fewCandidates path) rather than walking an index.
func readsFewByID(plan string) bool {
	return strings.HasPrefix(plan, "SEARCH t USING INTEGER PRIMARY KEY (rowid=?)\nLIST SUBQUERY")
}

// TestSparseListsReadFewByID: on SQLite, a view that keeps few of the
// active tickets — Breached on a desk without SLA clocks, At risk (in due
// order as few candidates, in the others always: atRiskByID) — reads its
// candidates by id, in every order, instead of walking every active
// ticket to find none (40–60 ms against under 1 ms at a million tickets
// with 30,000 active: BENCHMARKS.md); a status subset that keeps many
// still walks, and so do a busy week's resolved tickets, on their own
// indexes, in every order, and one status (On hold when nobody is on
// hold, Pending) by activity, on its range of tickets_status_updated, in
// the other orders on its range of the status indexes: those walks read
// that status's tickets alone, so none is counted first. A team's Pending
// walks the team's ranges of that status.
func TestSparseListsReadFewByID(t *testing.T) {
	d := apptest.DB(t, db.SQLite)
	s := apptest.Services(t, d)
	agent := seedListMix(t, s, 30000, false)
	for _, q := range []string{`DELETE FROM sla_clocks`, `UPDATE tickets SET due_at = NULL, warn_at = NULL`,
		`UPDATE tickets SET status = 'open' WHERE status = 'on_hold'`,
		// A busy week: thousands resolved, for the resolved tickets' walks.
		`UPDATE tickets SET status = 'resolved', closed_at = NULL WHERE status = 'closed' AND id % 8 = 0`} {
		if _, err := d.W.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	plans := tracePlans(t, s, d, func() string { return "" })
	dense := ticket.Filter{Status: []ticket.Status{ticket.StatusNew, ticket.StatusOpen, ticket.StatusPending}}
	if n, err := s.Tickets.Count(ctx, agent, dense); err != nil || n <= 1000 {
		t.Fatalf("%d new, open or pending tickets (%v): the dense case needs more than 1,000", n, err)
	}
	// A page's first custom-field fill loads the process's cache of their
	// definitions (two statements), once: before the lists counted below,
	// as a background job's read may have done or not.
	if _, _, err := s.Tickets.List(ctx, agent, dense); err != nil {
		t.Fatal(err)
	}
	resolved := ticket.Filter{Status: []ticket.Status{ticket.StatusResolved}}
	if n, err := s.Tickets.Count(ctx, agent, resolved); err != nil || n <= 1000 {
		t.Fatalf("%d resolved tickets (%v): the walk needs more than 1,000", n, err)
	}
	for _, c := range []struct {
		name  string
		f     ticket.Filter
		few   bool
		sorts []string
	}{
		{"on hold", ticket.Filter{Status: []ticket.Status{ticket.StatusOnHold}}, false, listSorts},
		{"breached", ticket.Filter{Status: listActive, SLA: []string{"breached"}}, true, listSorts},
		{"at risk", ticket.Filter{Status: listActive, SLA: []string{"at_risk"}}, true, listSorts},
		{"new, open or pending", dense, false, listSorts},
		{"resolved", resolved, false, listSorts},
		{"pending", ticket.Filter{Status: []ticket.Status{ticket.StatusPending}}, false, listSorts},
		// A team's Pending counts Pending first, but not by activity
		// (then it walks its ranges of the team index, which is partial:
		// the statement keeps the index's condition); Pending written
		// twice counts it first by activity only (a walk of every active
		// ticket).
		{"my teams' pending", ticket.Filter{Status: []ticket.Status{ticket.StatusPending}, TeamIDs: agent.TeamIDs}, false, listSorts},
		{"pending, twice", ticket.Filter{Status: []ticket.Status{ticket.StatusPending, ticket.StatusPending}}, false, listSorts},
	} {
		for _, sort := range c.sorts {
			f := c.f
			f.Sort = sort
			*plans = nil
			counted, statements := db.CountStatements(ctx)
			ts, _, err := s.Tickets.List(counted, agent, f)
			if err != nil {
				t.Fatalf("%s %s: %v", c.name, sort, err)
			}
			// A walk of the statuses' own ranges is the page's statement
			// (two parts soonest due last): their tickets are not counted
			// first.
			want := 1
			if sort == "-due_at" {
				want = 2
			}
			byActivity := strings.HasSuffix(sort, "updated_at")
			if c.name == "my teams' pending" && !byActivity || c.name == "pending, twice" && byActivity {
				want++ // Pending counted first
			}
			if n := statements(); !c.few && n != want {
				t.Errorf("%s %s: %d statements, want the walk alone (%d)", c.name, sort, n, want)
			}
			if c.name == "on hold" && len(ts) != 0 {
				t.Errorf("%s %s: %d tickets, want none", c.name, sort, len(ts))
			}
			if c.few && len(ts) != 0 {
				t.Errorf("%s %s: %d tickets, want none", c.name, sort, len(ts))
			}
			if len(*plans) == 0 {
				t.Fatalf("%s %s: no query traced", c.name, sort)
			}
			for _, plan := range *plans {
				if readsFewByID(plan) != c.few || c.few && strings.Contains(plan, "tickets_active_updated") {
					t.Errorf("%s %s: by id %v, want %v\n%s", c.name, sort, readsFewByID(plan), c.few, plan)
				}
				if bad := badListPlan(d.Dialect, plan, ""); bad != "" {
					t.Errorf("%s %s: %s\n%s", c.name, sort, bad, plan)
				}
				// One status by activity walks that status's own range,
				// not every active ticket; in the other orders, on SQLite,
				// its range of the order's index by status, on PostgreSQL
				// its ranges by team, merged.
				if c.name == "pending" && strings.HasSuffix(sort, "updated_at") && !strings.Contains(plan, "tickets_status_updated (status=?") {
					t.Errorf("%s %s: not on tickets_status_updated\n%s", c.name, sort, plan)
				}
				if (c.name == "pending" || c.name == "on hold") && !strings.HasSuffix(sort, "updated_at") {
					if bad := mergeOutOfOrder(d.Dialect, plan, statusesIndex(d.Dialect, sort)); bad != "" {
						t.Errorf("%s %s: %s\n%s", c.name, sort, bad, plan)
					}
				}
			}
		}
	}
}

// TestPostgresSparseListsReadTheirIDs: on PostgreSQL a view that keeps
// few of the active tickets (Breached on a desk without breaches, At
// risk) reads the candidates' ids first and lists those by id — none at
// all when there are none — in every order, rather than leave a subquery
// to a planner that checks every active ticket against it (258 ms for an
// empty Breached at a million tickets). The lists stay exact when there
// are a few. On hold walks every team's range of its status, and by
// activity its own range, which read no other ticket, without counting
// it first.
func TestPostgresSparseListsReadTheirIDs(t *testing.T) {
	d := apptest.DB(t, db.Postgres)
	s := apptest.Services(t, d)
	agent := seedListMix(t, s, 3000, false)
	for _, q := range []string{`DELETE FROM sla_clocks`, `UPDATE tickets SET due_at = NULL, warn_at = NULL`,
		`UPDATE tickets SET status = 'open' WHERE status = 'on_hold'`} {
		if _, err := d.W.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var last string
	s.Tickets.TraceQueries(func(query string, _ []any) { last = query })
	t.Cleanup(func() { s.Tickets.TraceQueries(nil) })
	views := []struct {
		name string
		f    ticket.Filter
	}{
		{"on hold", ticket.Filter{Status: []ticket.Status{ticket.StatusOnHold}}},
		{"breached", ticket.Filter{Status: listActive, SLA: []string{"breached"}}},
		{"at risk", ticket.Filter{Status: listActive, SLA: []string{"at_risk"}}},
	}
	list := func(name string, f ticket.Filter, sort string, want int, by string) {
		t.Helper()
		f.Sort = sort
		last = ""
		ts, _, err := s.Tickets.List(ctx, agent, f)
		if err != nil {
			t.Fatalf("%s %s: %v", name, sort, err)
		}
		if len(ts) != want {
			t.Errorf("%s %s: %d tickets, want %d", name, sort, len(ts), want)
		}
		if !strings.Contains(last, by) {
			t.Errorf("%s %s: not by the ids read first (%q)\n%s", name, sort, by, last)
		}
	}
	for _, v := range views {
		for _, sort := range listSorts {
			by := " AND FALSE "
			if v.name == "on hold" {
				// Every team's range of On hold, by activity its range
				// of tickets_status_updated (TestPostgresPendingCountsNothingFirst),
				// which read nothing else: the status is not counted
				// first.
				by = " arm"
				if strings.HasSuffix(sort, "updated_at") {
					by = "t.status IN ('on_hold')"
				}
			}
			list(v.name, v.f, sort, 0, by)
			if by != " AND FALSE " && strings.Contains(last, " AND FALSE ") {
				t.Errorf("on hold %s: its ids read first\n%s", sort, last)
			}
		}
	}
	// Three tickets past their due time: Breached lists exactly them.
	if _, err := d.W.ExecContext(ctx, `UPDATE tickets SET due_at = 1 WHERE id IN
		(SELECT id FROM tickets WHERE status IN ('new', 'open', 'pending') ORDER BY id LIMIT 3)`); err != nil {
		t.Fatal(err)
	}
	// Read by key (an index condition on the ids, not a walk of an order
	// that filters them): a subquery of ids would be a semi-join the
	// planner may put after the lookups, or walk an order's index with.
	_, pool := d.Pools()
	conn, err := pool.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var plans []string
	s.Tickets.TraceQueries(func(query string, args []any) {
		last = query
		plans = append(plans, explainList(t, conn, d.Dialect, query, args, ""))
	})
	for _, sort := range listSorts {
		plans = nil
		list("breached", views[1].f, sort, 3, "= ANY(CAST(")
		for _, plan := range plans {
			if !strings.Contains(plan, `"Index Cond": "(id = ANY (`) ||
				strings.Contains(plan, `"Relation Name": "tickets", "Alias": "t"`) && strings.Contains(plan, "Seq Scan") {
				t.Errorf("breached %s: the candidates are not read by key:\n%s", sort, plan)
			}
		}
	}
}

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
// team's range of its status (and none's), and by activity the status's
// own range of tickets_status_updated (as On hold does, and the plan kept
// for the page walks it in order): neither reads another ticket, so the
// status's tickets are not counted first (up to 1,001 ids, 1 ms a list
// under load at a million tickets). A page is the teams' ids (but by
// activity), the page's tickets and their names.
func TestPostgresPendingCountsNothingFirst(t *testing.T) {
	d := apptest.DB(t, db.Postgres)
	s := apptest.Services(t, d)
	agent := seedListMix(t, s, 3000, false)
	conn, err := d.GenericPool().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	type traced struct {
		query string
		args  []any
	}
	var queries []traced
	s.Tickets.TraceQueries(func(query string, args []any) { queries = append(queries, traced{query, args}) })
	t.Cleanup(func() { s.Tickets.TraceQueries(nil) })
	for _, status := range []ticket.Status{ticket.StatusPending, ticket.StatusOnHold} {
		for _, sort := range listSorts {
			byActivity := strings.HasSuffix(sort, "updated_at")
			if !byActivity && status == ticket.StatusOnHold {
				continue // TestPostgresSparseListsReadTheirIDs
			}
			queries = nil
			f := ticket.Filter{Status: []ticket.Status{status}, Sort: sort, Limit: 50}
			counted, statements := db.CountStatements(ctx)
			ts, _, err := s.Tickets.List(counted, agent, f)
			if err != nil {
				t.Fatalf("%s: %v", sort, err)
			}
			want := 3 // the teams, the page's tickets, their names
			switch {
			case byActivity:
				want = 2
			case sort == "-due_at":
				want = 4 // the latest due in two parts (pageLatestDue)
			}
			for _, q := range queries {
				if byActivity {
					if _, plan := genericPlan(t, conn, q.query, q.args); !strings.Contains(plan, `"tickets_status_updated"`) ||
						badListPlan(d.Dialect, plan, "") != "" {
						t.Errorf("%s %s: not a walk of its range of tickets_status_updated\n%s\n%s", status, sort, q.query, plan)
					}
				} else if !strings.Contains(q.query, " arm") || strings.Contains(q.query, "ANY(CAST(") {
					t.Errorf("%s %s: not its teams' ranges\n%s", status, sort, q.query)
				}
			}
			if n := statements(); n != want || len(ts) == 0 && status == ticket.StatusPending {
				t.Errorf("%s %s: %d tickets in %d statements, want some in %d", status, sort, len(ts), n, want)
			}
		}
	}
}

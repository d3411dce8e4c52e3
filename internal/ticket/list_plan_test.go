package ticket_test

import (
	"cmp"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// listPlanSelective names, per built-in view, the index whose own rows a
// plan may sort: the view's few rows (an agent's own active tickets, the
// tickets at risk), read from that index and sorted whatever the number
// of tickets. Every other view must read its page in order.
var listPlanSelective = map[string]string{
	"mine":    "tickets_assignee_active",
	"at-risk": "tickets_warn",
}

// TestListPlansReadInOrder: every built-in view in every order the queue
// and the API offer reads its page from an index in that order, never
// sorting every active ticket; a team's queue and Pending read only their
// own ranges of the team and status indexes, merged (mergedView): on SQLite (5,000 tickets in a help desk's
// mix, ANALYZEd) the plan has no "USE TEMP B-TREE FOR ORDER BY" unless it
// reads the view's own selective index; on PostgreSQL no Sort node either
// (if the planner prefers a sort at this small size, it must find the
// ordered plan once sorts are off: the plan it takes at scale).
//
// On SQLite it runs without statistics too: Docket never runs ANALYZE, so
// a production database plans with SQLite's defaults.
func TestListPlansReadInOrder(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		testListPlans(t, d, true)
	})
	t.Run("sqlite_without_statistics", func(t *testing.T) {
		testListPlans(t, apptest.DB(t, db.SQLite), false)
	})
}

func testListPlans(t *testing.T, d *db.DB, analyze bool) {
	s := apptest.Services(t, d)
	agent := seedListMix(t, s, 5000, analyze)
	var view string
	plans := tracePlans(t, s, d, func() string { return listPlanSelective[view] })
	for _, v := range listViews {
		for _, sort := range listSorts {
			// The first page, and the second from its cursor (a keyset
			// bound the planner sees too).
			f := v.filter(agent)
			f.Sort, f.Limit = sort, 20
			for page := 1; page <= 2; page++ {
				*plans, view = nil, v.name
				_, next, err := s.Tickets.List(ctx, agent, f)
				if err != nil {
					t.Fatalf("%s %s: %v", v.name, sort, err)
				}
				if len(*plans) == 0 {
					t.Errorf("%s, sort %s, page %d: no query was traced", v.name, sort, page)
				}
				for _, plan := range *plans {
					if bad := badListPlan(d.Dialect, plan, listPlanSelective[v.name]); bad != "" {
						t.Errorf("%s, sort %s, page %d: %s\n%s", v.name, sort, page, bad, plan)
					}
					// PostgreSQL plans the page over tickets alone, the
					// lookups apart (pageRows): their joins, planned with
					// every index that gives the order, took most of a list.
					if d.Dialect == db.Postgres && strings.Contains(plan, `"Relation Name": "categories"`) {
						t.Errorf("%s, sort %s, page %d: the page's statement joins the lookups\n%s", v.name, sort, page, plan)
					}
					// An agent's own queue reads their tickets, not every
					// active ticket looking for theirs.
					if v.name == "mine" && !strings.Contains(plan, "tickets_assignee_") {
						t.Errorf("mine, sort %s, page %d: does not read the assignee's index\n%s", sort, page, plan)
					}
					// A team's queue and one status's read their own
					// ranges, not every active ticket above the page (on
					// PostgreSQL the few pending tickets of this desk are
					// read by id: TestSparseListsReadFewByID and
					// TestPostgresSparseListsReadTheirIDs have more).
					if mergedView(v.name, sort) && v.name != "pending" {
						if bad := mergeOutOfOrder(d.Dialect, plan, teamStatusIndex(sort)); bad != "" {
							t.Errorf("%s, sort %s, page %d: %s\n%s", v.name, sort, page, bad, plan)
						}
					}
					if v.name == "pending" && d.Dialect == db.SQLite && !strings.HasSuffix(sort, "updated_at") {
						if bad := mergeOutOfOrder(d.Dialect, plan, statusesIndex(d.Dialect, sort)); bad != "" {
							t.Errorf("%s, sort %s, page %d: %s\n%s", v.name, sort, page, bad, plan)
						}
					}
				}
				if f.Cursor = next; next == "" {
					break
				}
			}
		}
	}
}

// tracePlans explains every list query s runs from now on into the slice
// it returns (empty it before each list), each with the index named by
// selective at that moment (see explainList), until the test ends.
func tracePlans(t *testing.T, s *app.Services, d *db.DB, selective func() string) *[]string {
	t.Helper()
	_, pool := d.Pools()
	conn, err := pool.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	plans := new([]string)
	s.Tickets.TraceQueries(func(query string, args []any) {
		*plans = append(*plans, explainList(t, conn, d.Dialect, query, args, selective()))
	})
	t.Cleanup(func() {
		s.Tickets.TraceQueries(nil)
		conn.Close()
	})
	return plans
}

// explainList returns the plan of query: SQLite's EXPLAIN QUERY PLAN lines;
// PostgreSQL's JSON plan, re-planned with sorts off when the first plan
// sorts.
func explainList(t *testing.T, conn *sql.Conn, dialect db.Dialect, query string, args []any, selective string) string {
	t.Helper()
	if dialect == db.SQLite {
		return apptest.SQLitePlan(t, conn, query, args...)
	}
	explain := func() string {
		if keptPlan(query) {
			_, out := genericPlan(t, conn, query, args)
			return out
		}
		var out string
		if err := conn.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+query, args...).Scan(&out); err != nil {
			t.Fatalf("explain %s: %v", query, err)
		}
		return out
	}
	plan := explain()
	if badListPlan(dialect, plan, selective) != "" {
		// A merged walk's arms read a few rows each here; at scale a range
		// holds many pages, which a walk in order stops within.
		off := []string{"enable_sort"}
		if isMergedWalk(query) {
			off = append(off, "enable_bitmapscan", "enable_seqscan")
		}
		t.Logf("sorts at this size, re-planned with %v off: %.200s", off, query)
		for _, o := range off {
			if _, err := conn.ExecContext(ctx, "SET "+o+" = off"); err != nil {
				t.Fatal(err)
			}
		}
		plan = explain()
		for _, o := range off {
			if _, err := conn.ExecContext(ctx, "RESET "+o); err != nil {
				t.Fatal(err)
			}
		}
	}
	return plan
}

// keptPlan reports whether query reads a list's page on PostgreSQL, the
// ids its page statement reads on G (pageOfIDs): the plan that runs is
// the one PostgreSQL keeps for any values (genericPlan).
func keptPlan(query string) bool {
	return (strings.HasPrefix(query, "SELECT t.id, 0 FROM tickets t WHERE") || strings.HasPrefix(query, "SELECT u.id, 0 FROM (")) &&
		!strings.Contains(query, "search_ticket") // a search's: planned for its words
}

// isMergedWalk reports whether query is a merged walk's (mergedQuery): on
// SQLite the arms' merge joined to the tickets; on PostgreSQL a UNION ALL
// of arms.
func isMergedWalk(query string) bool {
	return strings.Contains(query, ") u CROSS JOIN tickets t\n") || strings.Contains(query, ") arm1")
}

// mergedView reports whether a built-in view in sort's order is a merged
// walk of its teams' and statuses' ranges (migration 0055): a team's active
// tickets in every order, one status in every order but by activity (its
// range of tickets_status_updated).
func mergedView(view, sort string) bool {
	switch view {
	case "team":
		return true
	case "pending":
		return !strings.HasSuffix(sort, "updated_at")
	}
	return false
}

// teamStatusIndex is the index of active tickets by team, status and
// sort's order.
func teamStatusIndex(sort string) string {
	return "tickets_active_team_" + strings.TrimSuffix(strings.TrimPrefix(sort, "-"), "_at")
}

// statusesIndex is the index whose ranges a merged walk of some statuses
// of every team (Pending) reads in sort's order: on SQLite the active
// tickets by status and that order (migration 0065), on PostgreSQL every
// team's and none's ranges of teamStatusIndex.
func statusesIndex(dialect db.Dialect, sort string) string {
	if dialect == db.SQLite {
		return "tickets_active_status_" + strings.TrimSuffix(strings.TrimPrefix(sort, "-"), "_at")
	}
	return teamStatusIndex(sort)
}

// mergeOutOfOrder says what is wrong with a merged walk's plan ("" when
// nothing): each arm must read its team's and status's range of index in
// order, sorting nothing but the merge of the arms' pages and the page.
// On SQLite, index may be the start of the indexes' names.
func mergeOutOfOrder(dialect db.Dialect, plan, index string) string {
	if dialect == db.SQLite {
		// The merge (CO-ROUTINE u: MERGE (UNION ALL) of the arms, or one
		// arm) up to the scan of its rows: each arm reads its range in
		// order, and nothing is sorted before the page is taken.
		lines := strings.Split(plan, "\n")
		end := slices.Index(lines, "SCAN u")
		if lines[0] != "CO-ROUTINE u" || end < 0 {
			return "not a merged walk of " + index
		}
		arms := 0
		for _, l := range lines[1:end] {
			if strings.Contains(l, "USE TEMP B-TREE") {
				return "the merge sorts rows before taking the page"
			}
			if strings.HasPrefix(l, "SCAN t") {
				return "an arm scans the tickets: " + l
			}
			if strings.HasPrefix(l, "SEARCH t USING ") {
				team := strings.HasPrefix(index, "tickets_active_team_")
				status := strings.HasPrefix(index, "tickets_active_status_")
				if !strings.Contains(l, "INDEX "+index) || team && !strings.Contains(l, " (<expr>=? AND status=?") ||
					status && !strings.Contains(l, " (status=?") {
					return "an arm does not read its range of " + index + ": " + l
				}
				arms++
			}
		}
		if arms == 0 {
			return "not a merged walk of " + index
		}
		return ""
	}
	var root []struct {
		Plan pgPlanNode `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(plan), &root); err != nil || len(root) == 0 {
		return "unreadable plan"
	}
	if !root[0].Plan.reads(index) {
		return "does not read " + index
	}
	if root[0].Plan.sorts("") {
		return "sorts the rows it read"
	}
	if other := root[0].Plan.ticketIndexes(index); other != "" {
		return "reads tickets from " + other + ", not its ranges and the page by id"
	}
	return ""
}

// ticketIndexes returns an index (or "Seq Scan") n reads tickets from
// other than index and the primary key, "" when none.
func (n pgPlanNode) ticketIndexes(index string) string {
	if n.Relation == "tickets" && n.Index != index && n.Index != "tickets_pkey" {
		return cmp.Or(n.Index, n.Type)
	}
	for _, c := range n.Plans {
		if other := c.ticketIndexes(index); other != "" {
			return other
		}
	}
	return ""
}

// badListPlan says what is wrong with a list's plan ("" when nothing).
func badListPlan(dialect db.Dialect, plan, selective string) string {
	if dialect == db.SQLite {
		if readsFewByID(plan) {
			return "" // at most fewRows candidates, sorted
		}
		if strings.HasPrefix(plan, "CO-ROUTINE u\n") {
			// A merged walk: the arms merged in order, the page read by id.
			// Its arms read ranges of the team and status indexes, or, for
			// a walk split at its cursor (the rest of the cursor's
			// priority, then the priorities after it), the order's index.
			if !strings.Contains(plan, "INDEX tickets_active_team_") {
				return mergeOutOfOrder(dialect, plan, "tickets_")
			}
			return mergeOutOfOrder(dialect, plan, "tickets_active_team_")
		}
		if strings.Contains(plan, "USE TEMP B-TREE FOR ORDER BY") && (selective == "" || !strings.Contains(plan, selective)) {
			return "sorts the rows it read"
		}
		return ""
	}
	if strings.Contains(plan, "(id = ANY (") {
		return "" // at most fewRows candidates by id, sorted (fewIDs)
	}
	var root []struct {
		Plan pgPlanNode `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(plan), &root); err != nil || len(root) == 0 {
		return "unreadable plan"
	}
	if root[0].Plan.sorts(selective) {
		return "sorts the rows it read"
	}
	return ""
}

type pgPlanNode struct {
	Type     string       `json:"Node Type"`
	Index    string       `json:"Index Name"`
	Relation string       `json:"Relation Name"`
	Filter   string       `json:"Filter"`
	Plans    []pgPlanNode `json:"Plans"`
}

// sorts reports whether a Sort node in n sorts rows not read through the
// selective index, nor bounded by limits.
func (n pgPlanNode) sorts(selective string) bool {
	if n.Type == "Sort" && (selective == "" || !n.reads(selective)) && !n.bounded() {
		return true
	}
	for _, c := range n.Plans {
		if c.sorts(selective) {
			return true
		}
	}
	return false
}

func (n pgPlanNode) reads(index string) bool {
	if n.Index == index {
		return true
	}
	for _, c := range n.Plans {
		if c.reads(index) {
			return true
		}
	}
	return false
}

// bounded reports whether every ticket n reads comes through a Limit or by
// primary key: a Sort over them sorts at most what the limits let through
// (a merged walk's merge of its arms' pages, and the page read by id).
func (n pgPlanNode) bounded() bool {
	if n.Type == "Limit" {
		return true
	}
	if n.Relation == "tickets" && n.Index != "tickets_pkey" {
		return false
	}
	for _, c := range n.Plans {
		if !c.bounded() {
			return false
		}
	}
	return true
}

// TestMergedArmsReadTheIndexAlone: on SQLite, an admin's team queue, My
// teams and Pending (what the load generator reads with an admin's token)
// read each arm of their merged walk from the index alone (COVERING
// INDEX), its team filter written on the index's key of a team; and a
// later page's arms start their range at the cursor, in due order too,
// where SQLite does not start a range at a row value over an expression
// (the cursor also bounds the order's value alone). Before, every arm read
// its rows from the table, and in due order each page walked its range
// from the start.
func TestMergedArmsReadTheIndexAlone(t *testing.T) {
	d := apptest.DB(t, db.SQLite)
	s := apptest.Services(t, d)
	agent := seedListMix(t, s, 30000, false)
	admin := apptest.User(t, s, user.RoleAdmin, "")
	plans := tracePlans(t, s, d, func() string { return "" })
	for _, v := range []struct {
		name string
		f    ticket.Filter
	}{
		{"team", ticket.Filter{Status: listActive, Team: []string{"List team 3"}}},
		{"my teams", ticket.Filter{Status: listActive, TeamIDs: agent.TeamIDs}},
		{"pending", ticket.Filter{Status: []ticket.Status{ticket.StatusPending}}},
	} {
		for _, sort := range listSorts {
			if v.name == "pending" && strings.HasSuffix(sort, "updated_at") {
				continue // its range of tickets_status_updated
			}
			f := v.f
			f.Sort, f.Limit = sort, 20
			for page := 1; page <= 3; page++ {
				*plans = nil
				_, next, err := s.Tickets.List(ctx, admin, f)
				if err != nil {
					t.Fatalf("%s %s: %v", v.name, sort, err)
				}
				index := teamStatusIndex(sort)
				if v.name == "pending" {
					index = statusesIndex(d.Dialect, sort)
				}
				for _, plan := range *plans {
					if bad := mergeOutOfOrder(d.Dialect, plan, index); bad != "" {
						t.Errorf("%s %s, page %d: %s\n%s", v.name, sort, page, bad, plan)
					}
					for _, line := range strings.Split(plan, "\n") {
						if !strings.HasPrefix(line, "SEARCH t USING ") || !strings.Contains(line, index) {
							continue
						}
						if !strings.Contains(line, "COVERING INDEX") {
							t.Errorf("%s %s, page %d: an arm reads the table: %s", v.name, sort, page, line)
						}
						if page > 1 && !strings.Contains(line, "status=? AND ") {
							t.Errorf("%s %s, page %d: an arm does not start at the cursor: %s", v.name, sort, page, line)
						}
					}
				}
				if f.Cursor = next; next == "" {
					break
				}
			}
		}
	}
}

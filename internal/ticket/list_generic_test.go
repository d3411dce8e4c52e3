package ticket_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
)

// TestPostgresListsPlanTheirStatusesGeneric: pgx prepares each statement
// once per connection, and after five runs PostgreSQL may keep one plan for
// any values (a generic plan). A status bound as a parameter is then a
// value the plan cannot see, so no partial index of that status applies:
// "Recently resolved" oldest first walked every ticket in creation order
// and dropped all but the resolved ones, 0.3–2 s a page at a million
// tickets. Every built-in view's statements, in every order, planned
// generic, must not filter the tickets they read by a status the plan
// cannot see.
func TestPostgresListsPlanTheirStatusesGeneric(t *testing.T) {
	d := apptest.DB(t, db.Postgres)
	s := apptest.Services(t, d)
	agent := seedListMix(t, s, 5000, true)
	_, pool := d.Pools()
	conn, err := pool.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET plan_cache_mode = force_generic_plan"); err != nil {
		t.Fatal(err)
	}
	type traced struct {
		query string
		args  []any
	}
	var queries []traced
	s.Tickets.TraceQueries(func(query string, args []any) { queries = append(queries, traced{query, args}) })
	t.Cleanup(func() { s.Tickets.TraceQueries(nil) })
	checked := 0
	for _, v := range listViews {
		for _, sort := range listSorts {
			f := v.filter(agent)
			f.Sort, f.Limit = sort, 20
			for page := 1; page <= 2; page++ {
				queries = nil
				_, next, err := s.Tickets.List(ctx, agent, f)
				if err != nil {
					t.Fatalf("%s %s: %v", v.name, sort, err)
				}
				for _, q := range queries {
					if !strings.Contains(q.query, "status") {
						continue
					}
					plan, raw := genericPlan(t, conn, q.query, q.args)
					if where := plan.filtersTickets("status"); where != "" {
						t.Errorf("%s, sort %s, page %d: the generic plan filters tickets by a status it cannot see (%s)\n%s\n%s",
							v.name, sort, page, where, q.query, raw)
					}
					checked++
				}
				if f.Cursor = next; next == "" {
					break
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no list statement with a status was traced")
	}
}

// filtersTickets returns the node reading tickets whose Filter compares
// column with a parameter, if any (a value it filters by, not one an index
// holds).
func (n pgPlanNode) filtersTickets(column string) string {
	if n.Relation == "tickets" && regexp.MustCompile(regexp.QuoteMeta(column)+` = (ANY \((ARRAY\[)?)?\$`).MatchString(n.Filter) {
		return n.Type + " " + n.Index + ": " + n.Filter
	}
	for _, c := range n.Plans {
		if where := c.filtersTickets(column); where != "" {
			return where
		}
	}
	return ""
}

// genericPlan returns the plan PostgreSQL keeps for query whatever its
// values (as on G's connections, plan_cache_mode = force_generic_plan),
// and its JSON.
func genericPlan(t *testing.T, conn *sql.Conn, query string, args []any) (pgPlanNode, string) {
	t.Helper()
	for _, q := range []string{"SET plan_cache_mode = force_generic_plan", "PREPARE generic_plan AS " + query} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	defer conn.ExecContext(ctx, "RESET plan_cache_mode")
	defer conn.ExecContext(ctx, "DEALLOCATE generic_plan")
	// EXECUTE's values are written out: a utility statement takes no
	// parameters.
	lits := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case int64, int, bool:
			lits[i] = fmt.Sprint(v)
		case string:
			lits[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
		case []int64:
			lits[i] = strings.ReplaceAll(fmt.Sprintf("ARRAY%v::bigint[]", v), " ", ",")
		default:
			t.Fatalf("argument %d of %s: %T", i+1, query, a)
		}
	}
	execute := "EXECUTE generic_plan"
	if len(lits) > 0 {
		execute += "(" + strings.Join(lits, ", ") + ")"
	}
	var out string
	if err := conn.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+execute).Scan(&out); err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	var plans []struct {
		Plan pgPlanNode `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(out), &plans); err != nil || len(plans) != 1 {
		t.Fatalf("plan %s: %v", out, err)
	}
	return plans[0].Plan, out
}

// oneSession limits G's pool to one connection, so that its session's
// prepared statements are the ones every page on G ran (sessionStatements).
func oneSession(d *db.DB) *sql.DB {
	g := d.GenericPool()
	g.SetMaxOpenConns(1)
	return g
}

// preparedStatement is a row of pg_prepared_statements.
type preparedStatement struct {
	text            string
	generic, custom int
}

// sessionStatements returns the statements prepared on g's one session
// (oneSession) whose text holds like, but the query reading them.
func sessionStatements(t *testing.T, g *sql.DB, like string) []preparedStatement {
	t.Helper()
	rows, err := g.QueryContext(ctx, `SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements
		WHERE statement LIKE '%' || $1 || '%' AND statement NOT LIKE '%pg_prepared_statements%'`, like)
	if err != nil {
		t.Fatal(err)
	}
	out, err := db.Collect(rows, func(r db.Scanner) (preparedStatement, error) {
		var p preparedStatement
		return p, r.Scan(&p.text, &p.generic, &p.custom)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPostgresListPagesKeepTheirPlans: on PostgreSQL a list's page runs on
// G, whose sessions keep each statement's plan for any values
// (plan_cache_mode = force_generic_plan): listed again and again, in every
// order, no page's statement is planned again for its values. Planned at
// each run, a page's statement took 0.3–0.8 ms of planning at a million
// tickets, a fifth of PostgreSQL's time under lists.
func TestPostgresListPagesKeepTheirPlans(t *testing.T) {
	d := apptest.DB(t, db.Postgres)
	s := apptest.Services(t, d)
	agent := seedListMix(t, s, 600, false)
	g := oneSession(d)
	const runs = 8
	for range runs {
		for _, sort := range listSorts {
			if _, _, err := s.Tickets.List(ctx, agent, ticket.Filter{Status: listActive, Sort: sort}); err != nil {
				t.Fatal(err)
			}
		}
	}
	pages := 0
	for _, p := range sessionStatements(t, g, "FROM tickets t") {
		if p.custom > 0 {
			t.Errorf("planned %d times for its values (%d kept): %.300s", p.custom, p.generic, p.text)
		}
		if p.generic >= runs {
			pages++
		}
	}
	if pages < len(listSorts) {
		t.Errorf("%d page statements run %d times on G's session, want one per order (%d)", pages, runs, len(listSorts))
	}
}

// TestPostgresValuedFiltersArePlannedForTheirValues: a list with a filter
// whose value chooses the plan (a type, a priority, a time of creation;
// an organization with 40 % of 600,000 tickets was read from its index
// and sorted in 163 ms with the plan kept for any, against 0.07 ms
// walking the order) runs planned for its values, not on G.
func TestPostgresValuedFiltersArePlannedForTheirValues(t *testing.T) {
	d := apptest.DB(t, db.Postgres)
	s := apptest.Services(t, d)
	agent := seedListMix(t, s, 600, false)
	g := oneSession(d)
	week := time.Now().Add(-7 * 24 * time.Hour)
	for _, f := range []ticket.Filter{
		{Status: listActive, Type: []ticket.Type{ticket.Incident}},
		{Status: listActive, Priority: []ticket.Priority{ticket.P1}},
		{Status: listActive, CreatedAfter: &week, Sort: "-created_at"},
		{Status: listActive, UpdatedAfter: &week, Sort: "priority"},
	} {
		if _, _, err := s.Tickets.List(ctx, agent, f); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range sessionStatements(t, g, "FROM tickets t") {
		t.Errorf("a list of a valued filter on G's session, planned for any values:\n%s", p.text)
	}
}

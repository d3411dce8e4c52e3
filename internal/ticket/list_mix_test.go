package ticket_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// listView is one of the agent workspace's built-in queues (internal/web/
// agent's builtinViews), as the filter it lists for an agent.
type listView struct {
	name   string
	filter func(a *user.Actor) ticket.Filter
}

var listActive = []ticket.Status{ticket.StatusNew, ticket.StatusOpen, ticket.StatusPending, ticket.StatusOnHold}

var listViews = []listView{
	{"mine", func(a *user.Actor) ticket.Filter { return ticket.Filter{Assignee: []string{"me"}, Status: listActive} }},
	{"unassigned", func(a *user.Actor) ticket.Filter {
		return ticket.Filter{Assignee: []string{"none"}, Status: listActive}
	}},
	{"team", func(a *user.Actor) ticket.Filter { return ticket.Filter{TeamIDs: a.TeamIDs, Status: listActive} }},
	{"open", func(a *user.Actor) ticket.Filter { return ticket.Filter{Status: listActive} }},
	{"pending", func(a *user.Actor) ticket.Filter { return ticket.Filter{Status: []ticket.Status{ticket.StatusPending}} }},
	{"resolved", func(a *user.Actor) ticket.Filter {
		since := time.Now().Add(-7 * 24 * time.Hour)
		return ticket.Filter{Status: []ticket.Status{ticket.StatusResolved}, UpdatedAfter: &since}
	}},
	{"at-risk", func(a *user.Actor) ticket.Filter { return ticket.Filter{Status: listActive, SLA: []string{"at_risk"}} }},
	{"breached", func(a *user.Actor) ticket.Filter { return ticket.Filter{Status: listActive, SLA: []string{"breached"}} }},
}

// listSorts are the orders the queue offers (its sort menu and the
// direction its column headers toggle), which are also every sort of the
// API but relevance.
var listSorts = []string{"-updated_at", "updated_at", "-created_at", "created_at", "priority", "-priority",
	"due_at", "-due_at", "-number", "number"}

// seedListMix adds n tickets the way a help desk holds them, with SQL: 20
// teams, 200 agents (each in one team), 1,000 requesters; a year of
// tickets of which the last 4 % (about two weeks) are mostly active or
// resolved and the older ones mostly closed, with a backlog of old active
// ones: about 14 % active in all (new, open, pending, on hold), 1.7 %
// resolved; 70 % of active tickets and 95 % of the others assigned;
// priorities 1–4; running tickets (new, open) have a resolution clock due
// from 1,000 minutes overdue to 9,000 ahead, warning 480 minutes before
// (about 5 % of them at risk, 10 % breached). It returns an agent with
// assigned tickets, in one team. analyze runs ANALYZE after (as
// PostgreSQL's autovacuum would; Docket never runs it on SQLite).
func seedListMix(tb testing.TB, s *app.Services, n int, analyze bool) *user.Actor {
	d := s.DB
	now := time.Now().UnixMicro()
	year := int64(365 * 24 * time.Hour / time.Microsecond)
	var people, teams []string
	for i := range 200 {
		people = append(people, fmt.Sprintf("('list-agent-%d@example.test', 'agent', 0, 0)", i))
	}
	for i := range 1000 {
		people = append(people, fmt.Sprintf("('list-requester-%d@example.test', 'requester', 0, 0)", i))
	}
	for i := range 20 {
		teams = append(teams, fmt.Sprintf("('List team %d', 0, 0)", i))
	}
	gen := "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < " + strconv.Itoa(n) + ") SELECT i FROM s"
	if d.Dialect == db.Postgres {
		gen = "SELECT g AS i FROM generate_series(1, " + strconv.Itoa(n) + ") g"
	}
	// h spreads i over 0–999. Each property hashes i modulo its own prime
	// (1009, 101, 997, 10007) or 200 (agents, and their teams), so that
	// status, assignment, team, priority and due time are independent: a
	// team's tickets are not all of one priority.
	h := "(CAST(i AS BIGINT) * 7919 % 1009 * 1000 / 1009)"
	recent := "i > " + strconv.Itoa(n-n/25)
	status := `CASE WHEN ` + recent + ` THEN CASE WHEN ` + h + ` < 200 THEN 'new' WHEN ` + h + ` < 450 THEN 'open'
	               WHEN ` + h + ` < 550 THEN 'pending' WHEN ` + h + ` < 600 THEN 'on_hold' WHEN ` + h + ` < 900 THEN 'resolved' ELSE 'closed' END
	           ELSE CASE WHEN ` + h + ` < 20 THEN 'open' WHEN ` + h + ` < 60 THEN 'pending' WHEN ` + h + ` < 120 THEN 'on_hold'
	               WHEN ` + h + ` < 125 THEN 'resolved' ELSE 'closed' END END`
	created := "(" + strconv.FormatInt(now-year, 10) + " + CAST(i AS BIGINT) * " + strconv.FormatInt(year/int64(n), 10) + ")"
	// Updated up to ten days after creation, never after now.
	updated := "(" + created + " + CAST(i AS BIGINT) * 104729 % 864000 * 1000000)"
	due := "(" + strconv.FormatInt(now, 10) + " + (CAST(id AS BIGINT) * 6007 % 10007 - 1000) * 60000000)"
	agents := "(SELECT MIN(id) FROM users WHERE email LIKE 'list-agent-%')"
	stmts := []string{
		`INSERT INTO users (email, role, created_at, updated_at) VALUES ` + strings.Join(people, ","),
		`INSERT INTO teams (name, created_at, updated_at) VALUES ` + strings.Join(teams, ","),
		`INSERT INTO team_members (team_id, user_id)
		 SELECT (SELECT MIN(id) FROM teams WHERE name LIKE 'List team %') + (u.id - ` + agents + `) % 20, u.id
		 FROM users u WHERE u.email LIKE 'list-agent-%'`,
		`INSERT INTO tickets (uid, number, type, subject, status, priority, requester_id, assignee_id, team_id, channel, created_at, updated_at)
		 SELECT 'list-' || i, 1000000 + i, 'incident', 'List ticket ' || i, st, 1 + CAST(i AS BIGINT) * 31 % 997 % 4,
		        (SELECT MIN(id) FROM users WHERE email LIKE 'list-requester-%') + CAST(i AS BIGINT) * 13 % 1000,
		        CASE WHEN CAST(i AS BIGINT) * 17 % 101 < CASE WHEN st IN ('new', 'open', 'pending', 'on_hold') THEN 70 ELSE 95 END
		             THEN ` + agents + ` + CAST(i AS BIGINT) * 37 % 200 END,
		        CASE WHEN CAST(i AS BIGINT) * 23 % 97 < 92 THEN (SELECT MIN(id) FROM teams WHERE name LIKE 'List team %') + CAST(i AS BIGINT) * 37 % 200 % 20 END,
		        'api', ` + created + `, CASE WHEN ` + updated + ` > ` + strconv.FormatInt(now, 10) + ` THEN ` + strconv.FormatInt(now, 10) + ` ELSE ` + updated + ` END
		 FROM (SELECT i, ` + status + ` AS st FROM (` + gen + `) g) g2`,
		`UPDATE tickets SET resolution = 'solved', resolved_at = updated_at WHERE status IN ('resolved', 'closed') AND uid LIKE 'list-%'`,
		`UPDATE tickets SET closed_at = updated_at WHERE status = 'closed' AND uid LIKE 'list-%'`,
		`INSERT INTO sla_clocks (ticket_id, target, goal_minutes, started_at, warn_at, due_at, breached_at, escalated_at)
		 SELECT id, 'resolution', 2400, created_at, ` + due + ` - 480 * CAST(60000000 AS BIGINT),
		        ` + due + `,
		        CASE WHEN ` + due + ` <= ` + strconv.FormatInt(now, 10) + ` THEN ` + due + ` END,
		        CASE WHEN ` + due + ` <= ` + strconv.FormatInt(now, 10) + ` THEN ` + due + ` END
		 FROM tickets WHERE status IN ('new', 'open') AND uid LIKE 'list-%'`,
		`UPDATE tickets SET due_at = (SELECT MIN(c.due_at) FROM sla_clocks c WHERE c.ticket_id = tickets.id AND c.stopped_at IS NULL),
		        warn_at = (SELECT MIN(c.warn_at) FROM sla_clocks c WHERE c.ticket_id = tickets.id AND c.stopped_at IS NULL
		                   AND c.breached_at IS NULL)
		 WHERE status IN ('new', 'open') AND uid LIKE 'list-%'`,
	}
	if analyze {
		stmts = append(stmts, "ANALYZE")
	}
	for _, q := range stmts {
		if _, err := d.W.ExecContext(ctx, q); err != nil {
			tb.Fatalf("seed the list mix: %v\n%s", err, q)
		}
	}
	return searchActor(tb, s, "list-agent-7@example.test")
}

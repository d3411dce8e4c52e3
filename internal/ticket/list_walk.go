package ticket

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// activeIndexes are the partial indexes of activeOrders, once each.
var activeIndexes = []string{"tickets_active_updated", "tickets_active_created", "tickets_active_priority",
	"tickets_active_number", "tickets_active_due"}

// resolvedOrders are the partial indexes of resolved tickets (their
// predicate is resolvedCondition) by list order, migration 0052: the
// "Recently resolved" queue. Its updated order is tickets_status_updated's
// own, which every planner picks.
var resolvedOrders = map[string]string{
	"created_at": "tickets_resolved_created",
	"priority":   "tickets_resolved_priority",
	"number":     "tickets_resolved_number",
	"due_at":     "tickets_resolved_due",
}

const resolvedCondition = "t.status = 'resolved'"

// statusUpdated is the index of every ticket by status and activity
// (migration 0001), walked for a list of one status by activity.
const statusUpdated = "tickets_status_updated"

// activeOrders are the partial indexes of active tickets (their predicate
// is activeCondition) by the list order each holds, id breaking ties:
// migrations 0005, 0036 and 0049, walked forwards or backwards.
var activeOrders = map[string]string{
	"updated_at": "tickets_active_updated",
	"created_at": "tickets_active_created",
	"priority":   "tickets_active_priority",
	"number":     "tickets_active_number",
	"due_at":     "tickets_active_due",
}

// activeWalk names the partial index that SQLite walks, in the list's
// order, for f sorted by sortName: the active tickets' index of that
// order, when f keeps only active tickets and nothing in f finds its few
// rows faster on an index of their own. "" leaves the choice to the
// planner.
//
// SQLite is told (INDEXED BY) because its planner, without statistics (a
// Docket database never runs ANALYZE) and even with them, prefers the
// status index for the four active statuses, reads every active ticket
// and sorts them, where the walk stops after a page: 35–45 ms against
// about 1 ms at 9,000 active tickets. The walk is only forced for these
// shapes:
//   - active tickets, all of them or of some teams, unassigned, breached
//     or pending (a subset of the active statuses): each filter keeps
//     between a third and a twentieth of them, so a page is found within
//     a few hundred to a thousand index entries, at any depth (keyset);
//   - not when an assignee, requester or organization is named (the
//     agent's own queue, a requester's list): a person's active tickets
//     are a few hundred among hundreds of thousands, which their own index
//     (tickets_assignee_active, tickets_requester) reads in full faster
//     than the walk would find them; nor when the list is of the tickets
//     at risk (a few percent of the running clocks, from tickets_warn) or
//     bounded by a due time (tickets_active_due's range), except in due
//     order, which walks that range;
//   - the resolved tickets (Recently resolved: a week of them), on their
//     own indexes (resolvedOrders), in the same shapes;
//   - one status by activity (Pending), on tickets_status_updated: a walk
//     of every active ticket would pass whatever else was updated since,
//     a burst of new tickets for one.
//
// A walk that would find little or nothing (a desk with few breaches; a
// status few tickets are in, unless the walk reads that status's own
// ranges: walksStatuses) reads its few candidates by id instead
// (fewCandidates). A walk of some teams or some statuses reads, in place
// of the whole order's index, its own (team, status) ranges of the order's
// index by team and status, merged (mergeArms): what sits on top of the
// order — a burst of new tickets of no team — is then never read.
//
// PostgreSQL's planner, with the statistics autovacuum keeps, picks the
// same indexes by itself, except for the few candidates: those it is
// given by id (fewIDs).
func activeWalk(a *user.Actor, f Filter, sortName string) string {
	// -due_at walks tickets_active_due backwards in two parts
	// (pageLatestDue).
	orders := activeOrders
	if len(f.Status) == 1 && f.Status[0] == StatusResolved {
		orders = resolvedOrders // the same shapes, over the resolved tickets
	} else if !subset(f.Status, activeStatuses) || len(f.Status) == 0 {
		return ""
	}
	index := orders[strings.TrimPrefix(sortName, "-")]
	if len(f.Status) == 1 && strings.TrimPrefix(sortName, "-") == "updated_at" {
		// One status by activity: its own range of tickets_status_updated,
		// in order, whatever the other statuses' tickets around it.
		index = statusUpdated
	}
	if index == "" {
		return ""
	}
	if a == nil || !a.IsAgent() && a.IsPerson() || len(f.Requester) > 0 || len(f.Organization) > 0 {
		return ""
	}
	for _, v := range f.Assignee {
		if !strings.EqualFold(v, "none") {
			return ""
		}
	}
	if sortName == "due_at" {
		return index
	}
	if f.DueAfter != nil || f.DueBefore != nil || slices.Contains(f.SLA, "at_risk") {
		return ""
	}
	return index
}

// teamStatusOrders are the partial indexes of active tickets by team,
// status and the list order each holds, id breaking ties (migration 0055):
// the ranges a merged walk reads (mergeArms).
var teamStatusOrders = map[string]string{
	"updated_at": "tickets_active_team_updated",
	"created_at": "tickets_active_team_created",
	"priority":   "tickets_active_team_priority",
	"number":     "tickets_active_team_number",
	"due_at":     "tickets_active_team_due",
}

// activeStatusOrders are SQLite's indexes of active tickets by status and
// the list order each holds, id breaking ties (migration 0065; by activity
// the index of every ticket by status, tickets_status_updated): the ranges
// a merged walk of some statuses of every team reads there (mergeArms).
var activeStatusOrders = map[string]string{
	"updated_at": statusUpdated,
	"created_at": "tickets_active_status_created",
	"priority":   "tickets_active_status_priority",
	"number":     "tickets_active_status_number",
	"due_at":     "tickets_active_status_due",
}

// maxArms bounds the ranges of a merged walk: each is a query of a page
// of its own, so a merge of many costs more than a walk of the whole order
// finds its rows in, unless something else fills the top of the order.
const maxArms = 32

// mergeArms makes w, a list activeWalk walks, a merged walk where its
// filter keeps some teams or some statuses of the active tickets: one
// range of the order's index by team and status (teamStatusOrders) per
// team and status the filter keeps — for a status filter alone, on SQLite
// one range of the order's index by status (activeStatusOrders) per
// status, on PostgreSQL every team's and none's —, each read in order up
// to a page, merged, the page taken from the merge (mergedQuery). A walk
// of the whole order's index reads every ticket above the page first, and
// what sits on top of an order is whatever changed last: a burst of 70,000
// new tickets without a team put "My teams" by creation at 400–870 ms and
// Pending by number near 750 ms at a million tickets; each range holds
// only the list's own tickets, so the merge reads at most a page per
// range, whatever is on top.
//
// Left as it was: every active status without a team (All open, its
// tickets spread through the order), one status by activity without a
// team (its range of tickets_status_updated is the same walk), teams named
// by two filters, and more than maxArms ranges.
//
// known are every team's ids when the caller read them (walksStatuses),
// else nil.
func (s *Service) mergeArms(ctx context.Context, f Filter, sortName string, w *whereBuilder, known []int64) error {
	order := strings.TrimPrefix(sortName, "-")
	index := teamStatusOrders[order]
	if index == "" || len(f.Status) == 0 || !subset(f.Status, activeStatuses) || w.teamFilters > 1 {
		return nil
	}
	statuses := distinct(f.Status)
	var teams []teamKey
	for _, t := range w.teams {
		if !slices.ContainsFunc(teams, func(u teamKey) bool { return u.id == t.id }) {
			teams = append(teams, t)
		}
	}
	if w.teamFilters == 0 {
		if len(statuses) == len(activeStatuses) || len(statuses) == 1 && order == "updated_at" {
			return nil
		}
		if s.db.Dialect == db.SQLite {
			// A status's range holds every team's. One range per team and
			// status, 21 for Pending on a desk of 20 teams, took 0.65 ms a
			// page at a million tickets, one range 0.36–0.45 ms.
			// PostgreSQL has no such indexes (see migration 0065).
			var arms []string
			for _, st := range statuses {
				arms = append(arms, "t.status = '"+string(st)+"'") // a known status, as in the index's predicate
			}
			w.walk, w.arms = activeStatusOrders[order], arms
			return nil
		}
		ids := known
		if ids == nil {
			var err error
			if ids, err = s.teamIDs(ctx); err != nil {
				return err
			}
		}
		if (len(ids)+1)*len(statuses) > maxArms { // before any argument is added
			return nil
		}
		teams = []teamKey{{0, "0"}} // the tickets without a team
		for _, id := range ids {
			teams = append(teams, teamKey{id, w.arg(id)})
		}
	}
	if len(teams) == 0 || len(teams)*len(statuses) > maxArms {
		return nil
	}
	var arms []string
	for _, team := range teams {
		key := "COALESCE(t.team_id, 0) = " + team.arg
		for _, st := range statuses {
			// A known status (subset of activeStatuses), written as a
			// constant like the indexes' predicate.
			arms = append(arms, key+" AND t.status = '"+string(st)+"'")
		}
	}
	w.walk, w.arms = index, arms
	return nil
}

// teamIDs returns the id of every team.
func (s *Service) teamIDs(ctx context.Context) ([]int64, error) {
	rows, err := s.db.R.QueryContext(ctx, "SELECT id FROM teams ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("ticket: list: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("ticket: list: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ticket: list: %w", err)
	}
	return ids, nil
}

// distinct returns vs without repeats, in their first order.
func distinct[T comparable](vs []T) []T {
	var out []T
	for _, v := range vs {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// mergedQuery writes the list's statement for a merged walk (mergeArms),
// with its ORDER BY: each arm reads its range of w.walk in order, under
// every condition of the list, up to limit+1 rows (its id and sort value
// from the index); the merge keeps the first limit+1 of them in the order,
// and the page's tickets are read by id in the merge's order — at most
// limit+1 rows at each step, so no more than a page per range is read, and
// the page is the list's first limit+1 tickets after the cursor. The same
// on PostgreSQL, whose planner merges the arms' ordered scans (Merge
// Append). Planning a UNION ALL of 21 arms (Pending: every team and none)
// takes 9–12 ms, once per connection and statement: a page keeps its plan
// (pageOfIDs). Planned at each run, they were one arm run for each range
// (LATERAL), which reads a page from every range and sorts them: 1.5–2 ms
// a page under load at a million tickets, where the merge reads only what
// the page takes (0.7 ms).
//
// With idsOnly (PostgreSQL: pageRows), the statement reads the page's ids
// alone.
func (s *Service) mergedQuery(w *whereBuilder, spec sortSpec, dir string, limit int, idsOnly bool) string {
	from, join := "FROM tickets t", " JOIN tickets t ON t.id = u.id\n"
	if s.db.Dialect == db.SQLite {
		// Merged first, each ticket then read by id.
		from, join = "FROM tickets t INDEXED BY "+w.walk, " CROSS JOIN tickets t\n"
	}
	n := strconv.Itoa(limit + 1)
	order := " ORDER BY k " + dir + ", id " + dir + " LIMIT " + n
	conds := slices.Clone(w.conds)
	if i := slices.Index(conds, w.teamCond); w.teamCond != "" && i >= 0 {
		conds[i] = w.teamKeys // the same teams, from the index alone
	}
	cond := strings.Join(conds, " AND ")
	arms := make([]string, len(w.arms))
	for i, arm := range w.arms {
		arms[i] = "SELECT t.id, " + spec.expr + " AS k " + from + " WHERE " + arm + " AND " + cond
		if s.db.Dialect == db.SQLite {
			// SQLite merges a UNION ALL's arms as it reads them when each
			// comes in the compound's order (MERGE (UNION ALL)): each range
			// is read only as far as the page takes from it. Each arm as a
			// subquery of its own (ORDER BY … LIMIT) read a page from every
			// range, then sorted each arm's page again for the merge: 21
			// sorts for Pending on a desk of 20 teams.
			continue
		}
		arms[i] = "SELECT * FROM (" + arms[i] + " ORDER BY " + spec.expr + " " + dir + ", t.id " + dir + " LIMIT " + n + ") arm" + strconv.Itoa(i+1)
	}
	if idsOnly {
		return "SELECT u.id, 0 FROM (" + strings.Join(arms, " UNION ALL ") + order + ") u ORDER BY u.k " + dir + ", u.id " + dir
	}
	merged := "FROM (" + strings.Join(arms, " UNION ALL ") + order + ") u" + join
	return strings.Replace(s.q.Get("select-tickets"), "FROM tickets t\n", merged, 1) + " AND t.id = u.id" +
		" ORDER BY u.k " + dir + ", u.id " + dir
}

// pageLatestDue lists active tickets latest due first (-due_at) as two
// walks of tickets_active_due backwards, so that no active ticket is
// sorted: first the tickets with a due time, then, once they are all
// listed, those without one (their sort value is -1), newest first. The
// order puts tickets without a due time last, the index first.
func (s *Service) pageLatestDue(ctx context.Context, w *whereBuilder, cur *cursor, limit int, extra []func(*whereBuilder)) ([]*Ticket, error) {
	c := *w // the due index of its statuses
	w = &c
	spec := sortSpec{expr: dueKey, desc: true}
	out := []*Ticket{}
	if cur == nil || cur.V != -1 {
		due := func(x *whereBuilder) { x.conds = append(x.conds, dueKey+" < "+noDueLast) }
		var err error
		if out, err = s.pageRows(ctx, w, spec, "due_at", cur, limit, append(slices.Clip(extra), due)); err != nil || len(out) > limit {
			return out, err
		}
		cur = nil
	}
	none := func(x *whereBuilder) {
		x.conds = append(x.conds, dueKey+" = "+noDueLast)
		if cur != nil {
			x.conds = append(x.conds, "t.id < "+x.arg(cur.ID))
		}
	}
	// All of them have the same due key: ordered by id alone, which
	// SQLite then reads in order after the key's equality.
	more, err := s.pageRows(ctx, w, sortSpec{expr: "t.id", desc: true}, "due_at", nil, limit-len(out), append(slices.Clip(extra), none))
	return append(out, more...), err
}

// fewRows is the most candidates a list reads by id and sorts instead of
// walking an active tickets' index. Sorting m rows costs about m row
// reads; a walk finds a page of 50 among A active tickets after about
// 50·A/m: at 30,000 active tickets (a desk of a million with the usual
// backlog) the two meet near 1,200.
const fewRows = 1000

// atRiskByID reports whether SQLite reads a list of the tickets at risk by
// id from their own index (tickets_warn: the running clocks whose warning
// passed, a few percent of the active tickets at most) and sorts them, in
// any order but due order (walked on tickets_active_due). Left to itself,
// without statistics, it walks every active ticket on the status index
// and checks each against that set: 10 ms a page at a million tickets
// with 100,000 active, for a view that is most often empty.
func (s *Service) atRiskByID(f Filter, sortName string) bool {
	return s.db.Dialect == db.SQLite && len(f.SLA) == 1 && f.SLA[0] == "at_risk" && sortName != "due_at" && !f.Text.HasText()
}

// fewIDs is fewCandidates on PostgreSQL: the candidates' ids themselves,
// read now, when the first set that keeps few does. Given a subquery
// instead, its planner walks an order's index of every active ticket and
// checks each against the set (258 ms for an empty Breached at a million
// tickets); given the ids, it reads them by primary key, and none at all
// when there are none. The ids are read before the list's own statement,
// so the sets bounded by time reach a second past now either way (see
// fewCandidates): a ticket that falls due between the two reads is still
// a candidate.
func (s *Service) fewIDs(ctx context.Context, sets []func(arg func(any) string) string) (func(arg func(any) string) string, error) {
	for _, set := range sets {
		probe := &whereBuilder{}
		q := set(probe.arg) + " LIMIT " + strconv.Itoa(fewRows+1)
		rows, err := s.db.R.QueryContext(ctx, s.db.Rebind(q), probe.args...)
		if err != nil {
			return nil, fmt.Errorf("ticket: list: %w", err)
		}
		ids, err := db.Collect(rows, db.Int64)
		if err != nil {
			return nil, fmt.Errorf("ticket: list: %w", err)
		}
		if len(ids) > fewRows {
			continue
		}
		if len(ids) == 0 {
			return func(func(any) string) string { return "FALSE" }, nil
		}
		// An array, not a subquery: PostgreSQL reads the ids by key
		// whatever it plans for the lookups joined to them.
		return func(arg func(any) string) string { return "t.id = ANY(CAST(" + arg(ids) + " AS BIGINT[]))" }, nil
	}
	return nil, nil
}

// fewWalk is activeWalk's value for a list of few tickets, read by id
// (select-tickets-few).
const fewWalk = "few"

// walksStatuses reports whether the list of f in sortName's order walks
// the index ranges of f's statuses alone (walk is activeWalk's index):
// the resolved tickets' indexes and one status's range of
// tickets_status_updated (on both engines; on SQLite, with a team filter,
// its teams' ranges of that status), or, for some active statuses and no team
// filter, one range of the order's index by status per status
// (mergeArms). Such a walk reads no ticket of another status, so a status
// with few or no tickets costs it as little as reading them by id
// (fewCandidates), and counting up to fewRows+1 of a status's tickets
// first cost Pending's every page 0.1 ms at a million tickets (on
// PostgreSQL, Recently resolved's 1 ms).
//
// On PostgreSQL a status filter alone is walked as every team's ranges of
// its statuses (and none's) while they are at most maxArms: teams are
// then the teams' ids, read to tell, which mergeArms uses.
func (s *Service) walksStatuses(ctx context.Context, f Filter, sortName, walk string) (exact bool, teams []int64, err error) {
	if walk == "" || f.Text.HasText() {
		return false, nil, nil
	}
	order := strings.TrimPrefix(sortName, "-")
	if walk == resolvedOrders[order] {
		return true, nil, nil // PostgreSQL walks it too (walkResolvedOnPostgres)
	}
	if walk == statusUpdated {
		return true, nil, nil // on PostgreSQL too, whose kept plan walks it (pageOfIDs)
	}
	// The ranges mergeArms makes of a status filter alone (one status by
	// activity, written twice, keeps the whole order's walk; on
	// PostgreSQL one status by activity is the planner's).
	statuses := distinct(f.Status)
	if len(f.Team) != 0 || f.TeamIDs != nil || len(statuses) == 0 || len(statuses) >= len(activeStatuses) ||
		!subset(statuses, activeStatuses) || activeStatusOrders[order] == "" || teamStatusOrders[order] == "" ||
		len(statuses) == 1 && order == "updated_at" {
		return false, nil, nil
	}
	if s.db.Dialect == db.SQLite {
		return true, nil, nil
	}
	if teams, err = s.teamIDs(ctx); err != nil {
		return false, nil, err
	}
	return (len(teams)+1)*len(statuses) <= maxArms, teams, nil
}

// fewCandidates returns, for a list activeWalk would walk, a condition
// that bounds it to at most fewRows candidate ids, when its filter keeps
// so few: some of the active statuses that few tickets are in (On hold,
// often none; unless exact), the tickets at risk in due order, or the breached tickets
// of a desk with few or no breaches (every desk without SLA policies). A
// walk would read every active ticket to find that there is nothing, or
// little, to list: 40–60 ms at a million tickets. The candidates are a superset (every other condition
// still applies), read from indexes alone: the statuses' index, and for
// breached the active tickets whose due time passed (tickets_active_due)
// with every ticket that has a breached clock (sla_clocks_breached). The
// returned function writes the condition "t.id is a candidate" with arg;
// it is nil when the filter keeps more, or has no such bound. On SQLite
// the set is a subquery judged when it is written, after the list's own
// conditions, so it holds every ticket they find breached.
//
// exact says the list's walk reads its statuses' tickets alone
// (walksStatuses): their count then bounds nothing the walk does not.
func (s *Service) fewCandidates(ctx context.Context, f Filter, exact bool) (func(arg func(any) string) string, error) {
	if f.Text.HasText() {
		return nil, nil
	}
	var sets []func(arg func(any) string) string
	if len(f.Status) > 0 && len(f.Status) < len(activeStatuses) && !exact {
		sets = append(sets, func(arg func(any) string) string {
			// Constants on PostgreSQL, for the plan it keeps for any values
			// (see where).
			ph := statusLiterals(f.Status)
			if s.db.Dialect == db.SQLite || ph == nil {
				ph = make([]string, len(f.Status))
				for i, st := range f.Status {
					ph[i] = arg(string(st))
				}
			}
			return "SELECT id FROM tickets WHERE status IN (" + strings.Join(ph, ", ") + ")"
		})
	}
	// On PostgreSQL the ids are read before the list's statement (fewIDs):
	// a second either side keeps them a superset of what it finds.
	slack := time.Duration(0)
	if s.db.Dialect != db.SQLite {
		slack = time.Second
	}
	if len(f.SLA) == 1 && f.SLA[0] == "at_risk" { // on SQLite walked in due order only
		sets = append(sets, func(arg func(any) string) string {
			now := time.Now()
			return "SELECT id FROM tickets WHERE warn_at <= " + arg(now.Add(slack).UnixMicro()) + " AND due_at > " + arg(now.Add(-slack).UnixMicro())
		})
	}
	if len(f.SLA) == 1 && f.SLA[0] == "breached" {
		sets = append(sets, func(arg func(any) string) string {
			indexed := " INDEXED BY tickets_active_due"
			if s.db.Dialect != db.SQLite {
				indexed = ""
			}
			return "SELECT t.id FROM tickets t" + indexed + " WHERE " + dueKey + " <= " + arg(time.Now().Add(slack).UnixMicro()) +
				" AND " + activeCondition + " UNION SELECT ticket_id FROM sla_clocks WHERE breached_at IS NOT NULL"
		})
	}
	if s.db.Dialect != db.SQLite {
		return s.fewIDs(ctx, sets)
	}
	for _, set := range sets {
		probe := &whereBuilder{}
		q := "SELECT COUNT(*) FROM (" + set(probe.arg) + " LIMIT " + strconv.Itoa(fewRows+1) + ")"
		var n int
		if err := s.db.R.QueryRowContext(ctx, s.db.Rebind(q), probe.args...).Scan(&n); err != nil {
			return nil, fmt.Errorf("ticket: list: %w", err)
		}
		if n <= fewRows {
			return func(arg func(any) string) string { return "t.id IN (" + set(arg) + ")" }, nil
		}
	}
	return nil, nil
}

package ticket

import (
	"context"
	"slices"
	"strings"

	"github.com/docket/docket/internal/user"
)

// activeIndexes are the partial indexes of activeOrders, once each.
var activeIndexes = []string{"tickets_active_updated", "tickets_active_created", "tickets_active_priority",
	"tickets_active_number", "tickets_active_due"}

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
//     order, which walks that range.
//
// PostgreSQL's planner, with the statistics autovacuum keeps, picks the
// same indexes by itself.
func activeWalk(a *user.Actor, f Filter, sortName string) string {
	// -due_at walks tickets_active_due backwards in two parts
	// (pageLatestDue).
	index := activeOrders[strings.TrimPrefix(sortName, "-")]
	if index == "" || !subset(f.Status, activeStatuses) || len(f.Status) == 0 {
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

// pageLatestDue lists active tickets latest due first (-due_at) as two
// walks of tickets_active_due backwards, so that no active ticket is
// sorted: first the tickets with a due time, then, once they are all
// listed, those without one (their sort value is -1), newest first. The
// order puts tickets without a due time last, the index first.
func (s *Service) pageLatestDue(ctx context.Context, w *whereBuilder, cur *cursor, limit int, extra []func(*whereBuilder)) ([]*Ticket, error) {
	w = &whereBuilder{conds: w.conds, args: w.args, walk: activeOrders["due_at"]}
	spec := sortSpec{expr: dueKey, desc: true}
	out := []*Ticket{}
	if cur == nil || cur.V != -1 {
		due := func(x *whereBuilder) { x.conds = append(x.conds, dueKey+" < "+noDueLast) }
		query, args := s.listQuery(w, spec, "due_at", cur, limit, s.q.Get("select-tickets"), true, append(slices.Clip(extra), due))
		var err error
		if out, err = s.scanPage(ctx, query, args); err != nil || len(out) > limit {
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
	query, args := s.listQuery(w, sortSpec{expr: "t.id", desc: true}, "due_at", nil, limit-len(out), s.q.Get("select-tickets"), true, append(slices.Clip(extra), none))
	more, err := s.scanPage(ctx, query, args)
	return append(out, more...), err
}

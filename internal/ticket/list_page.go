package ticket

// Reading a list's page: the statement listQuery writes, run in one
// statement on SQLite, and on PostgreSQL as the page's ids and then its
// tickets by id, in one snapshot.

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/db"
)

// page runs the list query: the conditions of w (and extra, which it does
// not keep), after cur in spec's order, limit+1 rows so the caller knows
// whether a next page exists.
func (s *Service) page(ctx context.Context, w *whereBuilder, spec sortSpec, sortName string, cur *cursor, limit int, extra ...func(*whereBuilder)) ([]*Ticket, error) {
	if sortName == "-due_at" && w.walk != "" && w.walk != fewWalk {
		return s.pageLatestDue(ctx, w, cur, limit, extra)
	}
	return s.pageRows(ctx, w, spec, sortName, cur, limit, extra)
}

// idsOnly is the base of a list statement that reads the page's ids alone
// (pageRows on PostgreSQL).
const idsOnly = "SELECT t.id, 0 FROM tickets t WHERE TRUE"

// pageRows runs the list's statement (listQuery, walking) and returns its
// tickets. On PostgreSQL the statement reads the page's ids from tickets
// alone and the tickets are then read by id with their lookups
// (ticketsByID): its planner searches every order of the six outer joins
// of select-tickets together with every index of tickets that gives the
// list's order — 8.8 ms of planning at a million tickets for a page that
// runs in 0.4 ms, and most of a list's time under load. Read apart, the
// page's statement plans one table, and the lookups' statement, the same
// text whatever the list, is planned once per connection.
func (s *Service) pageRows(ctx context.Context, w *whereBuilder, spec sortSpec, sortName string, cur *cursor, limit int, extra []func(*whereBuilder)) ([]*Ticket, error) {
	if s.db.Dialect == db.SQLite {
		query, args := s.listQuery(w, spec, sortName, cur, limit, s.q.Get("select-tickets"), true, extra)
		return s.scanPage(ctx, query, args)
	}
	query, args := s.listQuery(w, spec, sortName, cur, limit, idsOnly, true, extra)
	return s.idsThenTickets(ctx, spec, sortName, query, args)
}

// idsThenTickets runs query, which reads a page's ids (idsOnly), and reads
// their tickets (rowsOfOn), both in one snapshot of the database
// (db.ReadSnapshot): a ticket is then what the page's statement found, so
// the next page's cursor, taken from the page's last ticket, starts where
// the page ended even if that ticket has changed since. Read after a
// commit that moved it in the order, the cursor would skip or repeat every
// ticket it passed.
func (s *Service) idsThenTickets(ctx context.Context, spec sortSpec, sortName, query string, args []any) ([]*Ticket, error) {
	var out []*Ticket
	err := s.db.ReadSnapshot(ctx, func(q db.Queryer) error {
		ms, err := s.scanMatchesOn(ctx, q, query, args...)
		if err != nil {
			return err
		}
		s.betweenReads()
		out, err = s.rowsOfOn(ctx, q, spec, sortName, ms)
		return err
	})
	return out, err
}

// betweenReads runs the test hook between the two statements of a page
// (BetweenReads), if any.
func (s *Service) betweenReads() {
	if s.between != nil {
		s.between()
	}
}

// ticketsByID reads the tickets of ms in their order through q, on
// PostgreSQL (list-tickets-by-id). A ticket gone between the two reads is
// left out; an id given twice is listed twice.
func (s *Service) ticketsByID(ctx context.Context, q db.Queryer, ms []match) ([]*Ticket, error) {
	if len(ms) == 0 {
		return []*Ticket{}, nil
	}
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.id
	}
	rows, err := q.QueryContext(ctx, s.q.Get("list-tickets-by-id"), ids)
	if err != nil {
		return nil, fmt.Errorf("ticket: list: %w", err)
	}
	defer rows.Close()
	byID := make(map[int64]*Ticket, len(ms))
	row := newTicketRow()
	for rows.Next() {
		t, err := s.scanTicketRow(rows, row)
		if err != nil {
			return nil, err
		}
		byID[t.ID] = t
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ticket: list: %w", err)
	}
	out := make([]*Ticket, 0, len(ms))
	for _, m := range ms {
		if t := byID[m.id]; t != nil {
			out = append(out, t)
		}
	}
	return out, nil
}

// listQuery writes the list's statement over base, which ends in a WHERE
// clause. walk lets SQLite walk the active tickets' index in order.
func (s *Service) listQuery(w *whereBuilder, spec sortSpec, sortName string, cur *cursor, limit int, base string, walk bool, extra []func(*whereBuilder)) (string, []any) {
	c := *w
	c.conds, c.args = slices.Clone(w.conds), slices.Clone(w.args)
	w = &c
	for _, e := range extra {
		e(w)
	}
	if cur != nil {
		op, bound := ">", ">="
		if spec.desc {
			op, bound = "<", "<="
		}
		v := w.arg(cur.V)
		switch {
		case s.db.Dialect == db.SQLite && sortName == "due_at" && cur.V == math.MaxInt64:
			// After a ticket without a due time, soonest due first: the
			// rest of those tickets, which share the due key, by id.
			w.conds = append(w.conds, dueKey+" = "+v, "t.id > "+w.arg(cur.ID))
			spec = sortSpec{expr: "t.id"}
		case walk && s.db.Dialect == db.SQLite && w.walk != "" && w.walk != fewWalk && spec.expr == "t.priority":
			w.arms = afterCursor(w, spec.expr, op, v, w.arg(cur.ID))
		default:
			// The bound on the order's value alone starts SQLite's range
			// there when the value is an expression (due order), which it
			// does not do for a row value.
			w.conds = append(w.conds, spec.expr+" "+bound+" "+v, "("+spec.expr+", t.id) "+op+" ("+v+", "+w.arg(cur.ID)+")")
		}
	}
	dir := "ASC"
	if spec.desc {
		dir = "DESC"
	}
	if walk && w.arms != nil {
		query := s.mergedQuery(w, spec, dir, limit, base == idsOnly)
		s.traceQuery(query, w.args)
		return s.db.Rebind(query), w.args
	}
	order := " ORDER BY " + spec.expr + " " + dir + ", t.id " + dir + " LIMIT " + strconv.Itoa(limit+1)
	if walk && s.db.Dialect == db.SQLite && w.walk != "" {
		base = s.q.Get("select-tickets-" + w.walk)
	}
	query := base + " AND " + strings.Join(w.conds, " AND ") + order
	s.traceQuery(query, w.args)
	return s.db.Rebind(query), w.args
}

// afterCursor returns the ranges of a walk on SQLite after a page that
// ended at the order's value v and the ticket id: in each range of the
// walk (w.arms, or the whole of its index), the rest of v's tickets by id,
// then the tickets after v — two arms each, merged in the order
// (mergedQuery). SQLite seeks an index only on the first column of a row
// value, so "(value, id) > (v, id)" started every page at the first ticket
// of v and read past every ticket of v listed before it. A quarter of the
// active tickets share each priority: "Unassigned" by priority took 11–26
// ms for its ninth to thirteenth pages at a million tickets, and more at
// each page after.
//
// Only for priority: the other orders' values are times and numbers that
// few tickets share, but for the due key of the tickets without a due
// time, which listQuery reads by id (SQLite does not know an equality on an
// expression keeps the index's order, and would sort the arm).
func afterCursor(w *whereBuilder, expr, op, v, id string) []string {
	ranges := w.arms
	if ranges == nil {
		ranges = []string{walkPredicate(w.walk)}
	}
	arms := make([]string, 0, 2*len(ranges))
	for _, r := range ranges {
		arms = append(arms, r+" AND "+expr+" = "+v+" AND t.id "+op+" "+id, r+" AND "+expr+" "+op+" "+v)
	}
	return arms
}

// walkPredicate is the condition of index's rows: the predicate of a
// partial index of active or resolved tickets, which SQLite must find in a
// statement's conditions to walk it.
func walkPredicate(index string) string {
	if slices.Contains(activeIndexes, index) {
		return activeCondition
	}
	for _, r := range resolvedOrders {
		if r == index {
			return resolvedCondition
		}
	}
	return "TRUE"
}

func (s *Service) scanPage(ctx context.Context, query string, args []any) ([]*Ticket, error) {
	return s.scanPageOn(ctx, s.db.R, query, args)
}

// scanPageOn is scanPage through q.
func (s *Service) scanPageOn(ctx context.Context, q db.Queryer, query string, args []any) ([]*Ticket, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("ticket: list: %w", err)
	}
	defer rows.Close()
	out := []*Ticket{}
	row := newTicketRow()
	for rows.Next() {
		t, err := s.scanTicketRow(rows, row)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ticket: list: %w", err)
	}
	return out, nil
}

package ticket

// Reading a list's page: the statement listQuery writes, run in one
// statement on SQLite; on PostgreSQL the page's tickets over its ids
// query, then their names (pageOfIDs), and a search's window as its ids
// and then its tickets by id, in one snapshot (idsThenTickets).

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
// alone, and the page is read from them (pageOfIDs): with the six outer
// joins of select-tickets, its planner searched every order of them
// together with every index of tickets that gives the list's order — 8.8
// ms of planning at a million tickets for a page that runs in 0.4 ms.
func (s *Service) pageRows(ctx context.Context, w *whereBuilder, spec sortSpec, sortName string, cur *cursor, limit int, extra []func(*whereBuilder)) ([]*Ticket, error) {
	if s.db.Dialect == db.SQLite {
		query, args := s.listQuery(w, spec, sortName, cur, limit, s.q.Get("select-tickets"), true, extra)
		return s.scanPage(ctx, query, args)
	}
	query, args := s.listQuery(w, spec, sortName, cur, limit, idsOnly, true, extra)
	q := s.db.R // planned for its values at each run
	if w.kept {
		q = s.db.G
	}
	return s.pageOfIDs(ctx, q, spec, query, args)
}

// pageOfIDs reads on PostgreSQL the tickets whose ids query (idsOnly,
// ordered and limited) reads, in spec's order, then their lookups' names
// (fillLookups), through q: G for a built-in view's shape (keptPlan),
// whose sessions keep each statement's plan for any values — its walk in
// the list's order stops after a page whatever they are, and planning it
// again at each run took a fifth of PostgreSQL's time under lists at a
// million tickets — else R, planned for its values. The page is one
// statement, so its tickets are as its walk found them and the next
// page's cursor starts where it ended; the names are read after it.
// Joined in the page's statement, the lookups made its plan cost 10 ms
// (once per connection and statement, and again after each ANALYZE of
// tickets); read by id apart, its hash joins (every organization's row,
// at each page) and a second read of the page's tickets cost more than
// one probe per distinct id.
func (s *Service) pageOfIDs(ctx context.Context, q db.Queryer, spec sortSpec, query string, args []any) ([]*Ticket, error) {
	dir := "ASC"
	if spec.desc {
		dir = "DESC"
	}
	page := s.pageFrom[0] + "FROM (" + query + ") p JOIN tickets t ON t.id = p.id\n" + s.pageFrom[1] +
		" ORDER BY " + spec.expr + " " + dir + ", t.id " + dir
	out, err := s.scanRows(ctx, q, page, args, newPageRow())
	if err != nil {
		return nil, err
	}
	s.betweenReads()
	return out, s.fillLookups(ctx, q, out)
}

// newPageRow is newTicketRow for a row of select-ticket-rows: no names,
// and the merged ticket's id where its number would be.
func newPageRow() *ticketRow {
	r := &ticketRow{}
	r.dest = []any{&r.t.ID, &r.t.UID, &r.t.Number, &r.typ, &r.t.Subject, &r.status, &r.resolution, &r.t.Solution,
		&r.priority, &r.impact, &r.urgency, &r.catID, &r.teamID, &r.asgID, &r.t.Requester.ID, &r.orgID,
		&r.channel, &r.cf, &r.tg, &r.t.MergedInto, &r.t.Version, &r.due, &r.created, &r.updated, &r.fr, &r.res, &r.closed, &r.t.Rated}
	return r
}

// The kinds of row ticket-lookups returns.
const (
	lookupUser = iota + 1
	lookupTeam
	lookupCategory
	lookupOrganization
	lookupMerged
)

// fillLookups sets the names of ts's requesters, assignees, teams,
// categories and organizations, and the numbers of the tickets they were
// merged into (MergedInto holds the id until then), from one statement
// through q (ticket-lookups). A row gone since the page was read leaves
// its name empty.
func (s *Service) fillLookups(ctx context.Context, q db.Queryer, ts []*Ticket) error {
	if len(ts) == 0 {
		return nil
	}
	ids := make([][]int64, lookupMerged+1)
	add := func(kind int, id int64) {
		if id != 0 && !slices.Contains(ids[kind], id) {
			ids[kind] = append(ids[kind], id)
		}
	}
	for _, t := range ts {
		add(lookupUser, t.Requester.ID)
		if t.Assignee != nil {
			add(lookupUser, t.Assignee.ID)
		}
		if t.Team != nil {
			add(lookupTeam, t.Team.ID)
		}
		if t.Category != nil {
			add(lookupCategory, t.Category.ID)
		}
		if t.Organization != nil {
			add(lookupOrganization, t.Organization.ID)
		}
		add(lookupMerged, t.MergedInto)
	}
	type key struct {
		kind int
		id   int64
	}
	type found struct {
		email, name string
		restricted  bool
		number      int64
	}
	byKey := make(map[key]found, len(ts)*2)
	rows, err := q.QueryContext(ctx, s.q.Get("ticket-lookups"), ids[lookupUser], ids[lookupTeam], ids[lookupCategory],
		ids[lookupOrganization], ids[lookupMerged])
	if err != nil {
		return fmt.Errorf("ticket: list: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k key
		var f found
		if err := rows.Scan(&k.kind, &k.id, &f.email, &f.name, &f.restricted, &f.number); err != nil {
			return fmt.Errorf("ticket: list: %w", err)
		}
		byKey[k] = f
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ticket: list: %w", err)
	}
	for _, t := range ts {
		u := byKey[key{lookupUser, t.Requester.ID}]
		t.Requester.Email, t.Requester.Name = u.email, u.name
		if t.Assignee != nil {
			u := byKey[key{lookupUser, t.Assignee.ID}]
			t.Assignee.Email, t.Assignee.Name = u.email, u.name
		}
		if t.Team != nil {
			tm := byKey[key{lookupTeam, t.Team.ID}]
			t.Team.Name, t.TeamRestricted = tm.name, tm.restricted
		}
		if t.Category != nil {
			t.Category.Name = byKey[key{lookupCategory, t.Category.ID}].name
		}
		if t.Organization != nil {
			t.Organization.Name = byKey[key{lookupOrganization, t.Organization.ID}].name
		}
		if t.MergedInto != 0 {
			t.MergedInto = byKey[key{lookupMerged, t.MergedInto}].number
		}
	}
	return nil
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
// PostgreSQL (list-tickets-by-id), and their names (fillLookups). A
// ticket gone between the two reads is left out; an id given twice is
// listed twice.
func (s *Service) ticketsByID(ctx context.Context, q db.Queryer, ms []match) ([]*Ticket, error) {
	if len(ms) == 0 {
		return []*Ticket{}, nil
	}
	read, err := s.scanRows(ctx, q, s.q.Get("list-tickets-by-id"), []any{matchIDs(ms)}, newPageRow())
	if err != nil {
		return nil, err
	}
	if err := s.fillLookups(ctx, q, read); err != nil { // once per ticket, before any is listed twice
		return nil, err
	}
	byID := make(map[int64]*Ticket, len(read))
	for _, t := range read {
		byID[t.ID] = t
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
	return s.scanRows(ctx, q, query, args, newTicketRow())
}

// scanRows runs query through q and scans its rows into tickets through
// row (newTicketRow, newPageRow).
func (s *Service) scanRows(ctx context.Context, q db.Queryer, query string, args []any, row *ticketRow) ([]*Ticket, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("ticket: list: %w", err)
	}
	defer rows.Close()
	out := []*Ticket{}
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

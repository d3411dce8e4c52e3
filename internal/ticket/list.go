package ticket

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/user"
)

// Filter selects and orders tickets for List. Person filters take an email,
// "me" or "none"; team and category take a name or "none".
type Filter struct {
	Status       []Status
	Type         []Type
	Priority     []Priority
	Assignee     []string
	Team         []string
	TeamIDs      []int64 // e.g. the actor's own teams
	Requester    []string
	Tag          []string
	Category     []string
	Organization []string
	Text         search.Query
	// MissingRequired keeps the tickets on which a required custom field
	// that applies is still empty (missing:required).
	MissingRequired bool
	// SLA keeps the tickets in any of these SLA states (SLAStates).
	SLA []string
	// DueAfter and DueBefore bound the ticket's next due time (the
	// earliest due of its running clocks); either bound keeps only tickets
	// with a running clock.
	DueAfter      *time.Time
	DueBefore     *time.Time
	CreatedAfter  *time.Time
	CreatedBefore *time.Time
	UpdatedAfter  *time.Time
	UpdatedBefore *time.Time
	Sort          string // -updated_at (default), created_at, priority, due_at, number; "-" for descending; relevance (with Text)
	Cursor        string
	Limit         int
}

// MaxLimit bounds a page.
const MaxLimit = 200

// activeStatuses are the statuses of unfinished work.
var activeStatuses = []Status{StatusNew, StatusOpen, StatusPending, StatusOnHold}

const activeCondition = "t.status IN ('new', 'open', 'pending', 'on_hold')"

// sameStatuses reports whether a and b hold the same set of statuses.
func sameStatuses(a, b []Status) bool {
	return len(a) > 0 && subset(a, b) && subset(b, a)
}

func subset(a, b []Status) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// MaxFilterValues bounds the values of one filter, so no query grows
// without limit.
const MaxFilterValues = 20

// whereBuilder collects conditions and their numbered arguments.
type whereBuilder struct {
	conds []string
	args  []any
	// kept says the list's page may run with a plan kept for any values
	// (keptPlan; pageOfIDs runs it on G on PostgreSQL).
	kept bool
	// walk names the partial index of active tickets in the list's order
	// that SQLite walks (activeWalk), "" for the planner's choice.
	walk string
	// arms are the ranges of walk that a merged walk reads, one condition
	// each (mergeArms); nil for one walk of the whole index.
	arms []string
	// teams are the teams a team filter keeps, teamCond its condition and
	// teamKeys the same condition on the indexes' key of a team (mergeArms
	// writes it in the arms, whose index covers it); teamFilters counts the
	// filters that name teams.
	teams       []teamKey
	teamCond    string
	teamKeys    string
	teamFilters int
	// updated are the positions in conds of the bounds on updated_at.
	updated []int
}

// walkResolvedOnPostgres makes w's bounds on updated_at (Recently
// resolved's week) conditions PostgreSQL cannot read from an index, when
// the list walks the resolved tickets' index in its order. Its
// statistics take the status and the bound for independent: every
// resolved ticket was updated in the week (the built-in rule closes
// them after seven days), where it estimated 87 of 6,461. It then read
// every one of them from tickets_status_updated and sorted them, 4.4–5.9
// ms a page at a million tickets (8.7 ms under load) against 0.04–0.4
// ms walking tickets_resolved_priority and the like in order, and kept
// that plan: its estimate made the plan for these values look cheaper
// than the one for any values.
func (w *whereBuilder) walkResolvedOnPostgres() {
	for _, i := range w.updated {
		w.conds[i] = "(t.updated_at + 0)" + strings.TrimPrefix(w.conds[i], "t.updated_at")
	}
}

// keepsAll reports whether w's conditions keep every ticket.
func (w *whereBuilder) keepsAll() bool {
	for _, c := range w.conds {
		if c != "TRUE" {
			return false
		}
	}
	return true
}

// teamKey is a team a filter keeps: its id (0 for the tickets without a
// team, as the indexes by team key them) and its placeholder or value.
type teamKey struct {
	id  int64
	arg string
}

// keepTeams records the team condition just added to w, over ids (whose
// placeholders were the last len(ids) arguments) and none.
func (w *whereBuilder) keepTeams(ids []any, none bool) {
	w.teamFilters++
	w.teamCond = w.conds[len(w.conds)-1]
	keys := []string{}
	if none {
		w.teams = append(w.teams, teamKey{0, "0"})
		keys = append(keys, "0")
	}
	for i, id := range ids {
		arg := "$" + strconv.Itoa(len(w.args)-len(ids)+i+1)
		w.teams = append(w.teams, teamKey{id.(int64), arg})
		keys = append(keys, arg)
	}
	w.teamKeys = "COALESCE(t.team_id, 0) IN (" + strings.Join(keys, ", ") + ")"
}

func (w *whereBuilder) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

// statusLiterals returns ss as SQL literals, or nil unless each is a known
// status: nothing a user wrote reaches a statement's text.
func statusLiterals(ss []Status) []string {
	lits := make([]string, len(ss))
	for i, st := range ss {
		if !st.Valid() {
			return nil
		}
		lits[i] = "'" + string(st) + "'"
	}
	return lits
}

func (w *whereBuilder) in(col string, vals []any) {
	ph := make([]string, len(vals))
	for i, v := range vals {
		ph[i] = w.arg(v)
	}
	w.conds = append(w.conds, col+" IN ("+strings.Join(ph, ",")+")")
}

// List returns a page of the tickets a may see that match f, and the cursor
// of the next page ("" at the end).
func (s *Service) List(ctx context.Context, a *user.Actor, f Filter) ([]*Ticket, string, error) {
	spec, sortName, err := parseSort(f.Sort)
	if err != nil {
		return nil, "", err
	}
	if sortName == relevance && !f.Text.HasText() {
		return nil, "", fault.Field("sort", "relevance needs words to search for")
	}
	cur, err := decodeCursor(f.Cursor, sortName)
	if err != nil {
		return nil, "", err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > MaxLimit {
		f.Limit = MaxLimit
	}
	walk := activeWalk(a, f, sortName)
	var few func(arg func(any) string) string
	var teams []int64 // every team's id, when walksStatuses read them
	// PostgreSQL reads the tickets at risk by id in every order, as
	// SQLite does (atRiskByID): its planner checks every active ticket
	// against them otherwise.
	if walk != "" || s.db.Dialect != db.SQLite && len(f.SLA) == 1 && f.SLA[0] == "at_risk" {
		var exact bool
		if exact, teams, err = s.walksStatuses(ctx, f, sortName, walk); err != nil {
			return nil, "", err
		}
		if few, err = s.fewCandidates(ctx, f, exact); err != nil {
			return nil, "", err
		}
	}
	// A ranked search writes an agent's visibility as the restricted teams
	// hidden from them (usually none, so nothing to check): the ranking
	// then need not read its window's tickets to filter them
	// (listRelevant).
	w, empty, err := s.where(ctx, a, f, sortName == "due_at" || walk != "", sortName == relevance)
	if err != nil {
		return nil, "", err
	}
	if empty {
		return []*Ticket{}, "", nil
	}
	w.walk = walk
	resolvedWalk := s.db.Dialect == db.Postgres && walk != "" && walk == resolvedOrders[strings.TrimPrefix(sortName, "-")]
	if resolvedWalk {
		w.walkResolvedOnPostgres()
	}
	w.kept = keptPlan(f, walk, resolvedWalk || strings.TrimPrefix(sortName, "-") == "updated_at")
	if few != nil {
		w.conds = append(w.conds, few(w.arg))
		w.walk = fewWalk
	} else if walk != "" && !f.Text.HasText() {
		if err := s.mergeArms(ctx, f, sortName, w, teams); err != nil {
			return nil, "", err
		}
	} else if s.atRiskByID(f, sortName) {
		w.walk = fewWalk
	}
	if w.walk == statusUpdated && w.arms == nil {
		// One status's range of an index of every ticket, not a partial
		// index of the active ones: their condition would only offer
		// SQLite the four active statuses' ranges, which its statistics
		// can make look narrower than the status's own, and a page of
		// Pending by activity then read and sorted every active ticket.
		// (A team's ranges, mergeArms, are of a partial index: they keep
		// it.)
		w.conds = slices.DeleteFunc(w.conds, func(c string) bool { return c == activeCondition })
	}
	var out []*Ticket
	if f.Text.HasText() {
		out, err = s.listTextInTurn(ctx, a, f, w, spec, sortName, cur)
	} else {
		out, err = s.page(ctx, w, spec, sortName, cur, f.Limit)
	}
	if err != nil {
		return nil, "", err
	}
	if err := s.fillMissing(ctx, a, out...); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = encodeCursor(cursor{Sort: sortName, V: sortValue(sortName, last), ID: last.ID})
		if sortName == relevance {
			next = encodeCursor(cursor{Sort: sortName, V: int64(offsetOf(cur) + f.Limit)})
		}
	}
	return out, next, nil
}

// keptPlan reports whether the page of f, a list walked as walk
// (activeWalk), may run with a plan kept for any values: a built-in
// view's shape — statuses, assignees, teams, SLA states, and activity
// bounds that are the walk's own order or that it cannot read from an
// index (updatedWalked: Recently resolved's week, walkResolvedOnPostgres).
// Its walk in the list's order then stops after a page whatever the
// values. Any other filter's value chooses the plan: an organization
// with 40 % of 600,000 tickets kept its index's plan, read its tickets
// and sorted them (163 ms), where the plan for its value walks the order
// (0.07 ms); a search's words, how common they are (dc0f76a).
func keptPlan(f Filter, walk string, updatedWalked bool) bool {
	if walk == "" || f.Text.HasText() || f.MissingRequired ||
		len(f.Type)+len(f.Priority)+len(f.Requester)+len(f.Tag)+len(f.Category)+len(f.Organization) > 0 ||
		f.DueAfter != nil || f.DueBefore != nil || f.CreatedAfter != nil || f.CreatedBefore != nil || f.UpdatedBefore != nil {
		return false
	}
	return f.UpdatedAfter == nil || updatedWalked
}

// Count returns how many visible tickets match f (sort and cursor ignored).
// An agent's visibility is written as the restricted teams hidden from
// them, read first (countVisibility): a count of active tickets then reads
// an index of their statuses alone, not every ticket's row.
func (s *Service) Count(ctx context.Context, a *user.Actor, f Filter) (int, error) {
	w, empty, err := s.where(ctx, a, f, false, true)
	if err != nil || empty {
		return 0, err
	}
	if f.Text.HasText() {
		s.textCondition(w, a, f.Text, false)
	}
	var n int
	query := s.db.Rebind("SELECT COUNT(*) FROM tickets t WHERE " + strings.Join(w.conds, " AND "))
	if s.trace != nil {
		s.trace(query, w.args)
	}
	if err := s.db.R.QueryRowContext(ctx, query, w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("ticket: count: %w", err)
	}
	return n, nil
}

// where builds the filter conditions. empty is true when a filter names
// something that cannot match (an unknown person), so the answer is an
// empty list without a query.
// byDue says the list is in due order (SLA conditions are then written for
// a walk of the due index); hiddenFirst, that an agent's visibility is
// countVisibility (the hidden teams read first: a count, a ranked search).
func (s *Service) where(ctx context.Context, a *user.Actor, f Filter, byDue, hiddenFirst bool) (*whereBuilder, bool, error) {
	w := &whereBuilder{}
	if hiddenFirst && a.IsAgent() && a.IsPerson() && !a.IsAdmin() {
		cond, err := s.countVisibility(ctx, a, w.arg)
		if err != nil {
			return nil, false, err
		}
		w.conds = append(w.conds, cond)
	} else if a.IsAgent() || !a.IsPerson() {
		w.conds = append(w.conds, visibility(a, w.arg))
	} else {
		cond, err := s.requesterList(ctx, a, w.arg)
		if err != nil {
			return nil, false, err
		}
		w.conds = append(w.conds, cond)
	}
	inv := &fault.Invalid{}
	for name, n := range map[string]int{"status": len(f.Status), "type": len(f.Type), "priority": len(f.Priority),
		"assignee": len(f.Assignee), "team": len(f.Team), "requester": len(f.Requester), "tag": len(f.Tag),
		"category": len(f.Category), "organization": len(f.Organization), "team_ids": len(f.TeamIDs), "sla": len(f.SLA)} {
		if n > MaxFilterValues {
			inv.Add(name, "at most %d values", MaxFilterValues)
		}
	}
	if err := inv.Err(); err != nil {
		return nil, false, err
	}
	if len(f.Status) > 0 {
		lits := statusLiterals(f.Status)
		vals := make([]any, len(f.Status))
		for i, st := range f.Status {
			if !st.Valid() {
				inv.Add("status", "unknown status %q", st)
			}
			vals[i] = string(st)
		}
		switch {
		case sameStatuses(f.Status, activeStatuses):
			// Written exactly as the partial indexes of active tickets
			// (tickets_active_*) are, so both engines can use them.
			w.conds = append(w.conds, activeCondition)
		case subset(f.Status, activeStatuses) && s.db.Dialect == db.SQLite:
			// Some active statuses ("Pending"): the same partial indexes
			// hold them in every order. SQLite cannot tell that these
			// statuses are among the index's, so the condition says so.
			w.in("t.status", vals)
			w.conds = append(w.conds, activeCondition)
		case s.db.Dialect != db.SQLite && lits != nil:
			// PostgreSQL sees the statuses as constants: it proves from
			// them that a partial index holds the list (active statuses
			// without the redundant condition, which would only make it
			// underestimate the rows and sort them), and so does the plan
			// it keeps for any values once a prepared statement has run
			// five times. Bound, that generic plan could not use the
			// status's partial indexes: "Recently resolved" oldest first
			// walked every ticket in creation order, 0.3–2 s a page at a
			// million tickets.
			w.conds = append(w.conds, "t.status IN ("+strings.Join(lits, ", ")+")")
		default:
			w.in("t.status", vals)
		}
	}
	if len(f.Type) > 0 {
		vals := make([]any, len(f.Type))
		for i, ty := range f.Type {
			if !ty.Valid() {
				inv.Add("type", "unknown type %q", ty)
			}
			vals[i] = string(ty)
		}
		w.in("t.type", vals)
	}
	if len(f.Priority) > 0 {
		vals := make([]any, len(f.Priority))
		for i, p := range f.Priority {
			vals[i] = int(p)
		}
		w.in("t.priority", vals)
	}
	empty := false
	person := func(field, col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		var ids []any
		none := false
		for _, v := range vals {
			switch strings.ToLower(v) {
			case "me":
				ids = append(ids, a.ID)
			case "none":
				none = true
			default:
				if u, err := s.users.ByEmail(ctx, v); err == nil {
					ids = append(ids, u.ID)
				}
			}
		}
		var parts []string
		if none {
			parts = append(parts, col+" IS NULL")
		}
		if len(ids) > 0 {
			sub := &whereBuilder{args: w.args}
			sub.in(col, ids)
			w.args = sub.args
			parts = append(parts, sub.conds[0])
		}
		if len(parts) == 0 {
			empty = true
			return
		}
		w.conds = append(w.conds, "("+strings.Join(parts, " OR ")+")")
	}
	person("assignee", "t.assignee_id", f.Assignee)
	person("requester", "t.requester_id", f.Requester)
	named := func(field, col string, vals []string, lookup func(string) (int64, error)) {
		if len(vals) == 0 {
			return
		}
		var ids []any
		none := false
		for _, v := range vals {
			if strings.EqualFold(v, "none") {
				none = true
				continue
			}
			id, err := lookup(v)
			if err != nil {
				if !a.IsAgent() {
					// Requesters learn nothing about which names exist.
					empty = true
					continue
				}
				inv.Add(field, "no %s named %q", field, v)
				continue
			}
			ids = append(ids, id)
		}
		var parts []string
		if none {
			parts = append(parts, col+" IS NULL")
		}
		if len(ids) > 0 {
			sub := &whereBuilder{args: w.args}
			sub.in(col, ids)
			w.args = sub.args
			parts = append(parts, sub.conds[0])
		}
		if len(parts) > 0 {
			w.conds = append(w.conds, "("+strings.Join(parts, " OR ")+")")
			if field == "team" {
				w.keepTeams(ids, none)
			}
		}
	}
	named("team", "t.team_id", f.Team, func(n string) (int64, error) {
		t, err := s.users.TeamByName(ctx, s.db.R, n)
		if err != nil {
			return 0, err
		}
		return t.ID, nil
	})
	named("category", "t.category_id", f.Category, func(n string) (int64, error) {
		c, err := s.categoryByName(ctx, s.db.R, n)
		if err != nil {
			return 0, err
		}
		return c.ID, nil
	})
	named("organization", "t.organization_id", f.Organization, func(n string) (int64, error) {
		o, err := s.users.OrganizationByName(ctx, s.db.R, n)
		if err != nil {
			return 0, err
		}
		return o.ID, nil
	})
	if f.TeamIDs != nil {
		if len(f.TeamIDs) == 0 {
			empty = true
		} else {
			vals := make([]any, len(f.TeamIDs))
			for i, id := range f.TeamIDs {
				vals[i] = id
			}
			w.in("t.team_id", vals)
			w.keepTeams(vals, false)
		}
	}
	if len(f.Tag) > 0 {
		// Every tag must be present: one grouped subquery, however many.
		tags := map[string]bool{}
		var ph []string
		for _, tag := range f.Tag {
			tag = strings.ToLower(strings.TrimSpace(tag))
			if !tags[tag] {
				tags[tag] = true
				ph = append(ph, w.arg(tag))
			}
		}
		w.conds = append(w.conds, "t.id IN (SELECT tt.ticket_id FROM ticket_tags tt WHERE tt.tag IN ("+strings.Join(ph, ",")+
			") GROUP BY tt.ticket_id HAVING COUNT(*) = "+strconv.Itoa(len(ph))+")")
	}
	timeCond := func(col, op string, v *time.Time) {
		if v != nil {
			if col == "t.updated_at" {
				w.updated = append(w.updated, len(w.conds))
			}
			w.conds = append(w.conds, col+" "+op+" "+w.arg(v.UnixMicro()))
		}
	}
	timeCond("t.created_at", ">=", f.CreatedAfter)
	timeCond("t.created_at", "<", f.CreatedBefore)
	timeCond("t.updated_at", ">=", f.UpdatedAfter)
	timeCond("t.updated_at", "<", f.UpdatedBefore)
	if f.MissingRequired {
		w.conds = append(w.conds, s.missingCondition())
	}
	for _, st := range f.SLA {
		if !slices.Contains(SLAStates, st) {
			inv.Add("sla", "unknown SLA state %q", st)
		}
	}
	slaWhere(w, f, time.Now(), byDue)
	if err := inv.Err(); err != nil {
		return nil, false, err
	}
	return w, empty, nil
}

// requesterList is the visibility of a requester's list: the same tickets
// as visibility, written so that each part can use an index (the
// requester's tickets by activity, the tickets they follow, their shared
// organization's), and only the parts that can match at all. A requester
// who follows nothing and whose organization does not share gets
// "requester_id = me", which the list reads newest first straight from an
// index whether they filed a hundred tickets or a hundred thousand.
func (s *Service) requesterList(ctx context.Context, a *user.Actor, arg func(any) string) (string, error) {
	var follows, shared bool
	if err := s.db.R.QueryRowContext(ctx, s.q.Get("requester-reach"), a.ID, a.OrganizationID).Scan(&follows, &shared); err != nil {
		return "", fmt.Errorf("ticket: list: %w", err)
	}
	me := arg(a.ID)
	cond := "t.requester_id = " + me
	if follows {
		cond += " OR t.id IN (SELECT vf.ticket_id FROM ticket_followers vf WHERE vf.user_id = " + me + ")"
	}
	if shared {
		cond += " OR t.organization_id = " + arg(a.OrganizationID)
	}
	return "(" + cond + ")", nil
}

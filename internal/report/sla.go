// Package report computes Docket's reports from the records other
// packages keep. The SLA report counts how often the SLA engine's clocks
// (sla_clocks) met their targets in a period.
package report

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// Service computes reports.
type Service struct{ db *db.DB }

// New returns a Service.
func New(d *db.DB) *Service { return &Service{db: d} }

// Targets are the SLA targets, in report order.
var Targets = []string{"first_response", "next_response", "resolution"}

// GroupBys are the ways the SLA report groups clocks.
var GroupBys = []string{"policy", "team", "priority"}

// SLAQuery asks for the SLA report of [From, To), grouped by GroupBy.
type SLAQuery struct {
	From, To time.Time
	GroupBy  string
}

// Measure is how one target fared: Measured clocks, of which Met and
// Breached; Compliance is Met as a percentage of Measured (one decimal),
// nil when nothing was measured.
type Measure struct {
	Measured, Met, Breached int
	Compliance              *float64
}

// SLAGroup is one row of the report: a policy, team or priority (Key is
// its id, "none", or p1…p4) and its measures per target.
type SLAGroup struct {
	Key, Name string
	Targets   map[string]*Measure
}

// SLAReport is the SLA compliance of a period.
type SLAReport struct {
	SLAQuery
	Groups []*SLAGroup
	Total  *SLAGroup
}

func newGroup(key, name string) *SLAGroup {
	g := &SLAGroup{Key: key, Name: name, Targets: map[string]*Measure{}}
	for _, t := range Targets {
		g.Targets[t] = &Measure{}
	}
	return g
}

// Check reports what is wrong with q, field by field.
func (q *SLAQuery) Check() error {
	inv := &fault.Invalid{}
	if q.GroupBy == "" {
		q.GroupBy = "policy"
	}
	if !slices.Contains(GroupBys, q.GroupBy) {
		inv.Add("group_by", "must be policy, team or priority")
	}
	checkPeriod(inv, q.From, q.To)
	return inv.Err()
}

// checkPeriod adds what is wrong with the period [from, to) to inv and
// reports whether it is a period.
func checkPeriod(inv *fault.Invalid, from, to time.Time) bool {
	if from.IsZero() {
		inv.Add("from", "is required")
	}
	if to.IsZero() {
		inv.Add("to", "is required")
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		inv.Add("to", "must be after from")
		return false
	}
	return !from.IsZero() && !to.IsZero()
}

// groupings are, per GroupBy, the key and name columns and the join that
// names them.
var groupings = map[string]struct{ key, name, join string }{
	"policy":   {"COALESCE(c.policy_id, 0)", "COALESCE(p.name, '')", "LEFT JOIN sla_policies p ON p.id = c.policy_id"},
	"team":     {"COALESCE(t.team_id, 0)", "COALESCE(tm.name, '')", "LEFT JOIN teams tm ON tm.id = t.team_id"},
	"priority": {"t.priority", "''", ""},
}

// SLA counts, per group and target, the clocks whose outcome fell in
// [From, To): met when one stopped in the period without a breach, breached
// when its breach fell in the period (each clock counts once, in the period
// of its outcome). Agents and admins read it, over the tickets they may
// see; requesters are told it does not exist.
func (s *Service) SLA(ctx context.Context, a *user.Actor, q SLAQuery) (*SLAReport, error) {
	if !a.IsAgent() {
		return nil, fmt.Errorf("report: %w", fault.ErrNotFound)
	}
	if err := q.Check(); err != nil {
		return nil, err
	}
	g := groupings[q.GroupBy]
	args := []any{q.From.UnixMicro(), q.To.UnixMicro()}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	met := "(c.breached_at IS NULL AND c.stopped_at >= $1 AND c.stopped_at < $2)"
	breached := "(c.breached_at >= $1 AND c.breached_at < $2)"
	query := "SELECT " + g.key + ", MAX(" + g.name + "), c.target, " +
		"SUM(CASE WHEN " + met + " THEN 1 ELSE 0 END), SUM(CASE WHEN " + breached + " THEN 1 ELSE 0 END) " +
		"FROM sla_clocks c JOIN tickets t ON t.id = c.ticket_id " + g.join +
		" WHERE (" + met + " OR " + breached + ") AND " + ticket.Visibility(a, arg) +
		" GROUP BY " + g.key + ", c.target"
	rows, err := s.db.R.QueryContext(ctx, s.db.Rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("report: sla: %w", err)
	}
	defer rows.Close()
	r := &SLAReport{SLAQuery: q, Total: newGroup("total", "Total")}
	groups := map[int64]*SLAGroup{}
	for rows.Next() {
		var key int64
		var name, target string
		var nMet, nBreached int
		if err := rows.Scan(&key, &name, &target, &nMet, &nBreached); err != nil {
			return nil, fmt.Errorf("report: sla: %w", err)
		}
		grp := groups[key]
		if grp == nil {
			grp = newGroup(groupKey(q.GroupBy, key, name))
			groups[key] = grp
			r.Groups = append(r.Groups, grp)
		}
		for _, m := range []*Measure{grp.Targets[target], r.Total.Targets[target]} {
			if m != nil {
				m.Met += nMet
				m.Breached += nBreached
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report: sla: %w", err)
	}
	slices.SortFunc(r.Groups, func(x, y *SLAGroup) int {
		if q.GroupBy == "priority" {
			return cmp.Compare(x.Key, y.Key)
		}
		// By name, the tickets of no policy or team last.
		none := func(g *SLAGroup) int {
			if g.Key == "none" {
				return 1
			}
			return 0
		}
		return cmp.Or(cmp.Compare(none(x), none(y)), cmp.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)))
	})
	for _, grp := range append(r.Groups, r.Total) {
		for _, m := range grp.Targets {
			m.Measured = m.Met + m.Breached
			if m.Measured > 0 {
				c := math.Round(float64(m.Met)*1000/float64(m.Measured)) / 10
				m.Compliance = &c
			}
		}
	}
	return r, nil
}

// groupKey names a group: a policy or team by id and name, or a priority.
func groupKey(groupBy string, key int64, name string) (string, string) {
	switch {
	case groupBy == "priority":
		p := ticket.Priority(key)
		label := p.Label()
		if label != "" {
			label = " – " + strings.ToUpper(label[:1]) + label[1:]
		}
		return p.String(), strings.ToUpper(p.String()) + label
	case key == 0 && groupBy == "team":
		return "none", "No team"
	case key == 0:
		return "none", "No policy"
	case name == "":
		return strconv.FormatInt(key, 10), "Policy " + strconv.FormatInt(key, 10)
	}
	return strconv.FormatInt(key, 10), name
}

// ParseSLAQuery reads the report's parameters as the API takes them: from
// and to as RFC 3339 times or dates (midnight UTC), to excluded.
func ParseSLAQuery(from, to, groupBy string) (SLAQuery, error) {
	q := SLAQuery{GroupBy: groupBy}
	inv := &fault.Invalid{}
	for _, p := range []struct {
		name, v string
		dst     *time.Time
	}{{"from", from, &q.From}, {"to", to, &q.To}} {
		if p.v == "" {
			continue
		}
		t, ok := ParseInstant(p.v)
		if !ok {
			inv.Add(p.name, "must be a date such as 2026-03-01 or an RFC 3339 time such as 2026-03-01T09:00:00Z")
		}
		*p.dst = t
	}
	if err := inv.Err(); err != nil {
		return q, err
	}
	return q, q.Check()
}

// ParseInstant reads an RFC 3339 time or a date (midnight UTC).
func ParseInstant(v string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true
	}
	t, err := time.Parse(time.DateOnly, v)
	return t, err == nil
}

// Percent is the compliance with one decimal ("" when nothing was
// measured).
func (m *Measure) Percent() string {
	if m.Compliance == nil {
		return ""
	}
	return strconv.FormatFloat(*m.Compliance, 'f', 1, 64)
}

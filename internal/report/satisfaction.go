package report

import (
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/satisfaction"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// SatisfactionGroupBys are the ways the satisfaction report groups
// ratings: by the agent or team the ticket had when rated, or by period
// (UTC days, ISO weeks from Monday, calendar months).
var SatisfactionGroupBys = []string{"agent", "team", "day", "week", "month"}

// maxPeriods bounds the rows of a report by period.
const maxPeriods = 1000

// SatisfactionQuery asks for the CSAT of the ratings given in [From, To),
// grouped by GroupBy.
type SatisfactionQuery struct {
	From, To time.Time
	GroupBy  string
}

// CSATGroup is one row of the report: an agent or team (Key its id or
// "none") or a period (Key its first day), and its ratings.
type CSATGroup struct {
	Key, Name string
	satisfaction.CSAT
}

// SatisfactionReport is the CSAT of a period.
type SatisfactionReport struct {
	SatisfactionQuery
	Groups []*CSATGroup
	Total  *CSATGroup
}

func isPeriod(groupBy string) bool {
	return groupBy == "day" || groupBy == "week" || groupBy == "month"
}

// Check reports what is wrong with q, field by field.
func (q *SatisfactionQuery) Check() error {
	inv := &fault.Invalid{}
	if q.GroupBy == "" {
		q.GroupBy = "agent"
	}
	if !slices.Contains(SatisfactionGroupBys, q.GroupBy) {
		inv.Add("group_by", "must be agent, team, day, week or month")
	}
	if checkPeriod(inv, q.From, q.To) && isPeriod(q.GroupBy) && len(periods(q.GroupBy, q.From, q.To)) > maxPeriods {
		inv.Add("group_by", "makes more than %d rows for this period; group by a longer period", maxPeriods)
	}
	return inv.Err()
}

// ParseSatisfactionQuery reads the report's parameters as the API takes
// them: from and to as ParseSLAQuery reads them, every field's error at
// once.
func ParseSatisfactionQuery(from, to, groupBy string) (SatisfactionQuery, error) {
	sq, err := ParseSLAQuery(from, to, "policy") // errors about from and to only
	q := SatisfactionQuery{From: sq.From, To: sq.To, GroupBy: groupBy}
	var inv *fault.Invalid
	if errors.As(err, &inv) {
		if groupBy != "" && !slices.Contains(SatisfactionGroupBys, groupBy) {
			inv.Add("group_by", "must be agent, team, day, week or month")
		}
		return q, inv
	} else if err != nil {
		return q, err
	}
	return q, q.Check()
}

// Satisfaction counts the ratings given (or last changed) in [From, To),
// per group: how many, how many positive, neutral and negative, and the
// CSAT (positive as a percentage of all). Agents and admins read it, over
// the tickets they may see; requesters are told it does not exist.
func (s *Service) Satisfaction(ctx context.Context, a *user.Actor, q SatisfactionQuery) (*SatisfactionReport, error) {
	if !a.IsAgent() {
		return nil, fmt.Errorf("report: %w", fault.ErrNotFound)
	}
	if err := q.Check(); err != nil {
		return nil, err
	}
	args := []any{q.From.UnixMicro(), q.To.UnixMicro()}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	where := " FROM satisfaction_ratings r JOIN tickets t ON t.id = r.ticket_id %s WHERE r.rated_at >= $1 AND r.rated_at < $2 AND " +
		ticket.Visibility(a, arg)
	counts := "COUNT(*), SUM(CASE WHEN r.sentiment > 0 THEN 1 ELSE 0 END), SUM(CASE WHEN r.sentiment < 0 THEN 1 ELSE 0 END)"
	var query string
	switch q.GroupBy {
	case "agent":
		query = "SELECT COALESCE(r.agent_id, 0), MAX(COALESCE(NULLIF(u.name, ''), u.email, '')), " + counts +
			fmt.Sprintf(where, "LEFT JOIN users u ON u.id = r.agent_id") + " GROUP BY COALESCE(r.agent_id, 0)"
	case "team":
		query = "SELECT COALESCE(r.team_id, 0), MAX(COALESCE(tm.name, '')), " + counts +
			fmt.Sprintf(where, "LEFT JOIN teams tm ON tm.id = r.team_id") + " GROUP BY COALESCE(r.team_id, 0)"
	default:
		query = "SELECT r.rated_at, '', 1, CASE WHEN r.sentiment > 0 THEN 1 ELSE 0 END, CASE WHEN r.sentiment < 0 THEN 1 ELSE 0 END" +
			fmt.Sprintf(where, "")
	}
	rows, err := s.db.R.QueryContext(ctx, s.db.Rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("report: satisfaction: %w", err)
	}
	defer rows.Close()
	r := &SatisfactionReport{SatisfactionQuery: q, Total: &CSATGroup{Key: "total", Name: "Total"}}
	groups := map[string]*CSATGroup{}
	if isPeriod(q.GroupBy) {
		for _, p := range periods(q.GroupBy, q.From, q.To) {
			g := &CSATGroup{Key: p.Format(time.DateOnly), Name: periodName(q.GroupBy, p)}
			groups[g.Key] = g
			r.Groups = append(r.Groups, g)
		}
	}
	for rows.Next() {
		var key int64
		var name string
		var c satisfaction.CSAT
		if err := rows.Scan(&key, &name, &c.Ratings, &c.Positive, &c.Negative); err != nil {
			return nil, fmt.Errorf("report: satisfaction: %w", err)
		}
		var g *CSATGroup
		if isPeriod(q.GroupBy) {
			g = groups[periodStart(q.GroupBy, time.UnixMicro(key).UTC()).Format(time.DateOnly)]
		} else {
			g = &CSATGroup{Key: strconv.FormatInt(key, 10), Name: name}
			if key == 0 {
				g.Key, g.Name = "none", map[string]string{"agent": "Unassigned", "team": "No team"}[q.GroupBy]
			}
			r.Groups = append(r.Groups, g)
		}
		if g == nil { // a period cut at From: counted in its first row
			g = r.Groups[0]
		}
		for _, t := range []*CSATGroup{g, r.Total} {
			t.Ratings += c.Ratings
			t.Positive += c.Positive
			t.Negative += c.Negative
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report: satisfaction: %w", err)
	}
	if !isPeriod(q.GroupBy) {
		slices.SortFunc(r.Groups, func(x, y *CSATGroup) int {
			none := func(g *CSATGroup) int {
				if g.Key == "none" {
					return 1
				}
				return 0
			}
			return cmp.Or(cmp.Compare(none(x), none(y)), cmp.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)))
		})
	}
	for _, g := range append(r.Groups, r.Total) {
		g.Compute()
	}
	return r, nil
}

// periodStart is the first instant of the day, ISO week or month of t (UTC).
func periodStart(groupBy string, t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch groupBy {
	case "week":
		return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	case "month":
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return d
}

// periods lists the starts of the periods [from, to) touches, stopping
// past maxPeriods.
func periods(groupBy string, from, to time.Time) []time.Time {
	var out []time.Time
	for p := periodStart(groupBy, from.UTC()); p.Before(to) && len(out) <= maxPeriods; {
		out = append(out, p)
		switch groupBy {
		case "week":
			p = p.AddDate(0, 0, 7)
		case "month":
			p = p.AddDate(0, 1, 0)
		default:
			p = p.AddDate(0, 0, 1)
		}
	}
	return out
}

func periodName(groupBy string, p time.Time) string {
	switch groupBy {
	case "week":
		y, w := p.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	case "month":
		return p.Format("2006-01")
	}
	return p.Format(time.DateOnly)
}

// WriteCSV writes the report as CSV: a header, one line per group, the
// total last; names a spreadsheet would run as a formula start with '.
func (r *SatisfactionReport) WriteCSV(w io.Writer) error {
	c := csv.NewWriter(w)
	_ = c.Write([]string{r.GroupBy, "key", "ratings", "positive", "neutral", "negative", "csat_percent"})
	for _, g := range append(r.Groups, r.Total) {
		_ = c.Write([]string{cell(g.Name), cell(g.Key), strconv.Itoa(g.Ratings), strconv.Itoa(g.Positive),
			strconv.Itoa(g.Neutral()), strconv.Itoa(g.Negative), g.PercentText()})
	}
	c.Flush()
	return c.Error()
}

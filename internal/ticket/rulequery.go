package ticket

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/user"
)

// RuleQuery is a query over every ticket for Docket's own rules (time
// rules): the tickets Filter selects, written by the same translation as
// lists, narrowed by the caller's own columns and conditions.
type RuleQuery struct {
	Filter Filter
	// Columns are selected, Join is joined after "tickets t".
	Columns, Join string
	// Where adds conditions; arg adds an argument and returns its
	// placeholder.
	Where func(arg func(any) string) []string
	Order string
	Limit int
}

// ruleReader reads for rules: rules see every ticket.
var ruleReader = user.System(event.ActorSystem, 0, "Rules")

// SelectForRules runs rq through q and calls scan for each row. A filter
// that names something that cannot match (an unknown person) selects
// nothing; one that names an unknown team or category is an error.
func (s *Service) SelectForRules(ctx context.Context, q db.Queryer, rq RuleQuery, scan func(db.Scanner) error) error {
	w, empty, err := s.where(ctx, ruleReader, rq.Filter, false, false)
	if err != nil || empty {
		return err
	}
	if rq.Where != nil {
		w.conds = append(w.conds, rq.Where(w.arg)...)
	}
	query := "SELECT " + rq.Columns + " FROM tickets t " + rq.Join + " WHERE " + strings.Join(w.conds, " AND ")
	if rq.Order != "" {
		query += " ORDER BY " + rq.Order
	}
	if rq.Limit > 0 {
		query += " LIMIT " + strconv.Itoa(rq.Limit)
	}
	if trace := s.traceRules.Load(); trace != nil {
		(*trace)(query, w.args)
	}
	rows, err := q.QueryContext(ctx, s.db.Rebind(query), w.args...)
	if err != nil {
		return fmt.Errorf("ticket: select for rules: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

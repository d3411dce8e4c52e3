package kb

import (
	"context"

	"github.com/docket/docket/internal/user"
)

// SuggestPlans returns the query plan (EXPLAIN) of each query Suggest runs
// for typed, planned where Suggest runs them.
func (s *Service) SuggestPlans(ctx context.Context, actor *user.Actor, typed string) ([]string, error) {
	steps, ok := s.suggestSteps(actor, typed)
	if !ok {
		return nil, nil
	}
	rd, done, err := s.suggestReader(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	var plans []string
	for _, step := range steps {
		rows, err := rd.QueryContext(ctx, "EXPLAIN "+step.query, step.match, 5)
		if err != nil {
			return nil, err
		}
		plan := ""
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				rows.Close()
				return nil, err
			}
			plan += line + "\n"
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		plans = append(plans, plan)
	}
	return plans, nil
}

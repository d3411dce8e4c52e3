package automation

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
)

// CheckActions validates acts as the actions of a rule other than a
// trigger (a macro), adding every invalid part to inv under at
// (actions[2].field…): each must be one of allowed and valid as a
// trigger's action would be. Values are normalised in place. An empty
// list is not an error here: the caller knows whether one is allowed.
func (s *Service) CheckActions(ctx context.Context, q db.Queryer, inv *fault.Invalid, at string, acts Actions, allowed []string) error {
	defs, err := s.Tickets.FieldDefs(ctx)
	if err != nil {
		return err
	}
	c := &checker{s: s, ctx: ctx, q: q, inv: inv, defs: defs}
	if len(acts) > MaxActions {
		inv.Add(at, "at most %d actions", MaxActions)
	}
	for i := range acts {
		where := fmt.Sprintf("%s[%d]", at, i)
		if t := acts[i].Type; t != "" && slices.Contains(ActionTypes, t) && !slices.Contains(allowed, t) {
			inv.Add(where+".type", "%s is not an action here; use one of %s", t, strings.Join(allowed, ", "))
			continue
		}
		if err := c.action(where, &acts[i]); err != nil {
			return err
		}
	}
	return nil
}

package automation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
)

// check reports every invalid part of r at once, under the names the API
// uses (since, minutes, conditions.all[0].op, actions[2].field…).
func (tr *TimeRules) check(ctx context.Context, q db.Queryer, r *TimeRule) error {
	defs, err := tr.s.Tickets.FieldDefs(ctx)
	if err != nil {
		return err
	}
	c := &checker{s: tr.s, ctx: ctx, q: q, inv: &fault.Invalid{}, defs: defs}
	if err := c.name(&r.Name, r.ID, tr.q.Get("time-rule-by-name"), "time rule"); err != nil {
		return err
	}
	if !slices.Contains(Sinces, r.Since) {
		c.inv.Add("since", "must be one of %s", strings.Join(Sinces, ", "))
	}
	if r.Minutes < 1 || r.Minutes > MaxMinutes {
		c.inv.Add("minutes", "must be from 1 to %d (a year)", MaxMinutes)
	}
	if r.CalendarID < 0 {
		c.inv.Add("calendar_id", "must be the id of a business-hours calendar, or none for calendar time")
	} else if r.CalendarID > 0 {
		if _, err := tr.s.Calendars.Get(ctx, reader, r.CalendarID); errors.Is(err, fault.ErrNotFound) {
			c.inv.Add("calendar_id", "no calendar with id %d", r.CalendarID)
		} else if err != nil {
			return err
		}
	}
	if n := len(r.Conditions.All) + len(r.Conditions.Any); n > MaxConditions {
		c.inv.Add("conditions", "at most %d conditions", MaxConditions)
	}
	for _, g := range []struct {
		name string
		cs   []Condition
	}{{"all", r.Conditions.All}, {"any", r.Conditions.Any}} {
		for i := range g.cs {
			at := fmt.Sprintf("conditions.%s[%d]", g.name, i)
			if f, ok := lookupField(g.cs[i].Field, defs); ok && (f.message != "" || f.kind == kMoment) {
				c.inv.Add(at+".field", "a time rule has no event: %s is not a condition it can test", g.cs[i].Field)
				continue
			}
			if slices.Contains(changeOps, g.cs[i].Op) {
				c.inv.Add(at+".op", "a time rule has no event: it cannot test a change")
				continue
			}
			if err := c.condition(at, &g.cs[i]); err != nil {
				return err
			}
		}
	}
	if err := c.actions("actions", r.Actions); err != nil {
		return err
	}
	// Closing keeps the resolution the ticket was resolved with: a time
	// rule that closes need not name one.
	for i, a := range r.Actions {
		if a.Type == ActSet && a.Field == "status" && valueString(a.Value) == "closed" {
			at := fmt.Sprintf("actions[%d].resolution", i)
			c.inv.Fields = slices.DeleteFunc(c.inv.Fields, func(fe fault.FieldError) bool { return fe.Field == at && a.Resolution == "" })
		}
	}
	return c.inv.Err()
}

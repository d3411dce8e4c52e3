package automation

import (
	"context"
	"errors"
	"time"

	"github.com/docket/docket/internal/bizhours"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// Due is a ticket a time rule would act on now, and the moment its
// duration ran from.
type Due struct {
	Number  int64
	Subject string
	Status  string
	Since   time.Time
}

// dryRunScan bounds how many candidates a dry run reads.
const dryRunScan = 2000

// DueNow lists up to limit tickets time rule id would act on if it ran
// now, oldest moment first, writing nothing (admins only): the same
// query and conditions as a run, on the rule as saved, enabled or not.
// more reports that there are others.
func (tr *TimeRules) DueNow(ctx context.Context, a *user.Actor, id int64, limit int) (due []Due, more bool, err error) {
	r, err := tr.Get(ctx, a, id)
	if err != nil {
		return nil, false, err
	}
	env, err := tr.environment(ctx, []*TimeRule{r})
	if err != nil {
		return nil, false, err
	}
	var cal *bizhours.Calendar
	if r.CalendarID != 0 {
		if cal = env.calendars[r.CalendarID]; cal == nil {
			return nil, false, fault.Conflict("the rule's calendar %d is gone; choose another", r.CalendarID)
		}
	}
	now := tr.Now().UTC()
	threshold, ok := Threshold(cal, now, r.Minutes)
	if !ok {
		return []Due{}, false, nil
	}
	due = []Due{}
	after := candidate{moment: -1 << 62}
	for scanned := 0; scanned < dryRunScan; {
		cs, err := tr.candidates(ctx, tr.s.DB.R, r, now, threshold, after, timeRuleBatch)
		if err != nil {
			return nil, false, err
		}
		for _, c := range cs {
			after = c
			t, err := tr.s.Tickets.Load(ctx, tr.s.DB.R, c.number)
			if errors.Is(err, fault.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, false, err
			}
			if !r.Conditions.Holds(&Facts{Kind: TimeRuleFired, At: now, Ticket: t, Calendars: env.calendars, Defs: env.defs}) {
				continue
			}
			if len(due) == limit {
				return due, true, nil
			}
			due = append(due, Due{Number: t.Number, Subject: t.Subject, Status: string(t.Status), Since: time.UnixMicro(c.moment).UTC()})
		}
		scanned += len(cs)
		if len(cs) < timeRuleBatch {
			break
		}
	}
	return due, false, nil
}

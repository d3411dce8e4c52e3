package sla

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/docket/docket/internal/bizhours"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// TicketSLA is a ticket's SLA as people read it at one instant.
type TicketSLA struct {
	// Policy names the policy of the clocks ("" for none).
	Policy string
	// Targets are the clocks in the order of Targets.
	Targets  []State
	Breached bool
}

// Target returns the state of target, nil when it is not measured.
func (t *TicketSLA) Target(name string) *State {
	if t == nil {
		return nil
	}
	for i := range t.Targets {
		if t.Targets[i].Target == name {
			return &t.Targets[i]
		}
	}
	return nil
}

// Of reads the SLA of the tickets with ids at now, for agents: a ticket
// without clocks has no entry. Visibility of the tickets is the caller's
// (they are the tickets it read for a). Without policies and clocks (a desk
// that measures no SLA) it reads nothing: the policy cache knows.
func (s *Service) Of(ctx context.Context, a *user.Actor, ids []int64, now time.Time) (map[int64]*TicketSLA, error) {
	out := map[int64]*TicketSLA{}
	if !a.IsAgent() || len(ids) == 0 {
		return out, nil
	}
	c, err := s.current(ctx, s.DB.R)
	if err != nil || c.clockless {
		return out, err
	}
	b, _ := json.Marshal(ids)
	rows, err := s.DB.R.QueryContext(ctx, s.q.Get("clocks-of-tickets"), string(b))
	if err != nil {
		return nil, fmt.Errorf("sla: clocks: %w", err)
	}
	type owned struct {
		ticket int64
		c      *Clock
	}
	cs, err := db.Collect(rows, func(sc db.Scanner) (owned, error) {
		c, id, err := scanClockOf(sc, true)
		return owned{id, c}, err
	})
	if err != nil || len(cs) == 0 {
		return out, err
	}
	used := make([]int64, len(cs))
	for i, o := range cs {
		used[i] = o.c.PolicyID
	}
	if c, err = s.knowing(ctx, s.DB.R, c, used...); err != nil {
		return nil, err
	}
	for _, o := range cs {
		p := c.policy(o.c.PolicyID)
		cal := allHours
		if p != nil {
			if cal, err = c.calendar(ctx, s, s.DB.R, p.CalendarID); err != nil {
				return nil, err
			}
		}
		st := o.c.StateAt(cal, now)
		ts := out[o.ticket]
		if ts == nil {
			ts = &TicketSLA{}
			out[o.ticket] = ts
		}
		if p != nil {
			st.Policy = p.Name
			if ts.Policy == "" || o.c.StoppedAt == nil {
				ts.Policy = p.Name
			}
		}
		ts.Breached = ts.Breached || st.State == StateBreached
		ts.Targets = append(ts.Targets, st)
	}
	for _, ts := range out {
		slices.SortFunc(ts.Targets, func(a, b State) int {
			return slices.Index(Targets, a.Target) - slices.Index(Targets, b.Target)
		})
	}
	return out, nil
}

// allHours measures the clocks of a deleted policy: round the clock.
var allHours = func() *bizhours.Calendar {
	var ivs []bizhours.Interval
	for _, d := range bizhours.Weekdays {
		ivs = append(ivs, bizhours.Interval{Day: d, Start: 0, End: 24 * 60})
	}
	c, err := bizhours.New("UTC", ivs, nil)
	if err != nil {
		panic(err)
	}
	return c
}()

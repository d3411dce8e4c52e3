package agent

import (
	"context"
	"fmt"
	"time"

	"github.com/docket/docket/internal/ticket"
)

// dueCell is a queue row's Due column: the next due time of a running SLA
// clock, relative to now and coloured by its state; due.js re-renders it
// every 30 seconds and at the warning and due instants, with the same
// words as dueText.
type dueCell struct {
	At, Warn time.Time // zero when no clock runs / no warning
	State    ticket.DueState
	Text     string // "in 2 h 10 m", "overdue 35 m"
	Paused   bool   // no clock runs, one is paused
	Breached bool   // a target breached earlier (shown beside a running clock)
}

// dueCells reads the clocks of the listed tickets.
func (a *Agent) dueCells(ctx context.Context, ts []*ticket.Ticket, now time.Time) (map[int64]dueCell, error) {
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	dues, err := a.Tickets.Dues(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]dueCell, len(dues))
	for id, d := range dues {
		c := dueCell{State: d.State(now), Paused: d.Paused, Breached: d.Breached}
		if d.At != nil {
			c.At, c.Text = *d.At, dueText(*d.At, now)
			c.Breached = d.Breached && c.State != ticket.DueBreached
		}
		if d.WarnAt != nil {
			c.Warn = *d.WarnAt
		}
		out[id] = c
	}
	return out, nil
}

// dueText says when due falls relative to now, in whole minutes: "in 2 h
// 10 m", "in 3 d 4 h", "overdue 35 m", "in <1 m".
func dueText(due, now time.Time) string {
	if d := due.Sub(now); d > 0 {
		return "in " + span(d)
	}
	return "overdue " + span(now.Sub(due))
}

func span(d time.Duration) string {
	m := int64(d / time.Minute)
	days, h, min := m/(24*60), m%(24*60)/60, m%60
	switch {
	case m < 1:
		return "<1 m"
	case days > 0 && h > 0:
		return fmt.Sprintf("%d d %d h", days, h)
	case days > 0:
		return fmt.Sprintf("%d d", days)
	case h > 0 && min > 0:
		return fmt.Sprintf("%d h %d m", h, min)
	case h > 0:
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d m", min)
}

package sla

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/ticket"
)

// warningBatch is how many due warnings one transaction records at most:
// the timer's own and others due with it, taken from the queue.
const warningBatch = 100

// warn records the warning of timer own and, in the same transaction, of
// up to warningBatch-1 other due warning timers it takes from the queue
// (they are done when it commits, queued again when it rolls back). Each
// clock is still recorded once (the conditional UPDATE of warn-clock: of
// two runners, one wins) with its own sla.warning event and breach
// timer. Tickets are locked in id order, so two batches never wait for
// each other in a circle.
func (s *Service) warn(ctx context.Context, own timerArgs) error {
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		taken, err := s.Jobs.TakeDue(ctx, tx, WarningJob, warningBatch-1)
		if err != nil {
			return err
		}
		timers := []timerArgs{own}
		for _, j := range taken {
			var a timerArgs
			if err := json.Unmarshal(j.Args, &a); err == nil {
				timers = append(timers, a)
			}
		}
		slices.SortFunc(timers, func(a, b timerArgs) int {
			return cmp.Or(cmp.Compare(a.TicketID, b.TicketID), cmp.Compare(a.Target, b.Target), cmp.Compare(a.At, b.At))
		})
		timers = slices.Compact(timers)
		c, err := s.current(ctx, tx)
		if err != nil {
			return err
		}
		for _, a := range timers {
			if err := s.warnOne(ctx, tx, c, a); err != nil {
				return err
			}
		}
		return nil
	})
}

// warnOne records timer a's warning, behind its ticket's lock, when the
// clock still warns at the timer's instant and nobody recorded it yet.
func (s *Service) warnOne(ctx context.Context, tx *db.Tx, c *cache, a timerArgs) error {
	t := &ticket.Ticket{ID: a.TicketID}
	var team int64
	err := tx.QueryRowContext(ctx, s.q.Get("lock-ticket"), a.TicketID).Scan(&t.Number, &team)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // the ticket is gone
	}
	if err != nil {
		return err
	}
	if team != 0 {
		t.Team = &ticket.Ref{ID: team}
	}
	clock, _, err := scanClockOf(tx.QueryRowContext(ctx, s.q.Get("warn-clock"), a.TicketID, a.Target, a.At, db.Now()), false)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // moved, stopped or recorded already
	}
	if err != nil {
		return err
	}
	p := c.policy(clock.PolicyID)
	if p == nil {
		p = deletedPolicy
	}
	if err := s.event(ctx, tx, event.SLAWarning, t, clock, p); err != nil {
		return err
	}
	return s.arm(ctx, tx, t.ID, clock) // and now the breach
}

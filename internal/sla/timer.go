package sla

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/ticket"
)

// TimerJob is a ticket's SLA timer: one job per ticket, at the next
// instant its clocks wait for (a warning or a breach). When it runs it
// records whatever fell due, escalates breaches, and queues the timer of
// the next instant. A write queues one only when the next instant comes
// sooner and the timer scan would not queue it in time (putMarks,
// scan.go): a create, as a rule, does not. A write that moves a clock
// later leaves the timer where it was (it will find nothing due and queue
// the next one).
const TimerJob = "sla.timer"

// WarningJob and BreachJob are the timers queued per clock before
// migration 0038; queued ones still run, as TimerJob.
const (
	WarningJob = "sla.warning"
	BreachJob  = "sla.breach"
)

// timerBatch is how many due timers one transaction runs at most: its own
// and others due with it, taken from the queue.
const timerBatch = 100

// timerArgs are a timer job's: the ticket, and the instant it was set
// for. Target is set only in timers queued before migration 0038.
type timerArgs struct {
	TicketID int64  `json:"ticket_id"`
	Target   string `json:"target,omitempty"`
	At       int64  `json:"at"`
}

// Payload is the payload of sla.warning and sla.breached events.
type Payload struct {
	event.TicketPayload
	Target string    `json:"target"`
	Policy string    `json:"policy"`
	DueAt  time.Time `json:"due_at"`
}

// timerJob is ticketID's timer at at. The unique key names the ticket and
// instant, so queuing it twice queues one job.
func timerJob(ticketID int64, at time.Time) job.New {
	key := TimerJob + ":" + strconv.FormatInt(ticketID, 10) + ":" + strconv.FormatInt(at.UnixMicro(), 10)
	return job.New{Kind: TimerJob, RunAt: at, UniqueKey: key, MaxAttempts: 20,
		Args: timerArgs{TicketID: ticketID, At: at.UnixMicro()}}
}

// RegisterJobs registers the timer, scan and recompute handlers with r,
// and the scan's period.
func (s *Service) RegisterJobs(r *job.Runner) {
	for _, kind := range []string{TimerJob, WarningJob, BreachJob} {
		r.Register(kind, job.Kind{Handler: s.fire})
	}
	r.Register(RecomputeJob, job.Kind{Handler: s.recompute})
	r.Register(ScanJob, job.Kind{Handler: s.scan})
	r.Every(job.Periodic{Name: ScanJob, Kind: ScanJob, Every: ScanEvery})
}

// deletedPolicy names the policy of a clock whose policy is gone.
var deletedPolicy = &Policy{Name: "(deleted)", WarnPercent: DefaultWarnPercent}

// fire runs timer j and, in the same transaction, up to timerBatch-1
// other due timers it takes from the queue (they are done when it
// commits, queued again when it rolls back). Tickets are locked in id
// order, so two batches never wait for each other in a circle.
func (s *Service) fire(ctx context.Context, j *job.Job) error {
	var own timerArgs
	if err := json.Unmarshal(j.Args, &own); err != nil {
		return job.Permanent(fmt.Errorf("sla: timer args: %w", err))
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		taken, err := s.Jobs.TakeDue(ctx, tx, TimerJob, timerBatch-1)
		if err != nil {
			return err
		}
		timers := []timerArgs{own}
		for _, t := range taken {
			var a timerArgs
			if err := json.Unmarshal(t.Args, &a); err == nil {
				timers = append(timers, a)
			}
		}
		// One run per ticket, at the latest instant any of its timers
		// was set for.
		slices.SortFunc(timers, func(a, b timerArgs) int {
			return cmp.Or(cmp.Compare(a.TicketID, b.TicketID), cmp.Compare(b.At, a.At))
		})
		timers = slices.CompactFunc(timers, func(a, b timerArgs) bool { return a.TicketID == b.TicketID })
		c, err := s.current(ctx, tx)
		if err != nil {
			return err
		}
		for _, a := range timers {
			if err := s.fireTicket(ctx, tx, c, a); err != nil {
				return err
			}
		}
		return nil
	})
}

// fireTicket runs timer a of one ticket behind the ticket's lock: it
// records each warning and breach that fell due by the timer's instant (or
// now, when later), escalates breaches, and queues the next timer. Each
// is recorded only while the clock still falls due then and nobody
// recorded it yet (conditional UPDATEs: of two runners, one wins).
func (s *Service) fireTicket(ctx context.Context, tx *db.Tx, c *cache, a timerArgs) error {
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
	clocks, err := s.loadClocks(ctx, tx, t.ID)
	if err != nil {
		return err
	}
	if c, err = s.knowing(ctx, tx, c, policyIDs(clocks)...); err != nil {
		return err
	}
	before := marksOf(clocks)
	now := time.Now()
	if at := time.UnixMicro(a.At); at.After(now) {
		now = at
	}
	full := false // t read in full, for an escalation
	moved := false
	for _, target := range Targets {
		clock := clocks[target]
		if clock == nil {
			continue
		}
		p := c.policy(clock.PolicyID)
		if p == nil {
			p = deletedPolicy
		}
		if clock.warnDue(now) {
			warned, err := s.recordWarning(ctx, tx, t, clock, p)
			if err != nil {
				return err
			}
			moved = moved || warned
		}
		var res sql.Result
		switch {
		case clock.breachDue(now):
			res, err = tx.ExecContext(ctx, s.q.Get("breach-clock"), t.ID, target, clock.DueAt.UnixMicro(), db.Now())
		case clock.BreachedAt != nil && clock.EscalatedAt == nil:
			res, err = tx.ExecContext(ctx, s.q.Get("escalate-clock"), t.ID, target, db.Now())
		default:
			continue
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			continue // moved, stopped or recorded already
		}
		moved = true
		if !full {
			if t, err = s.Tickets.ByIDTx(ctx, tx, a.TicketID); err != nil {
				return err
			}
			full = true
		}
		if clock.BreachedAt == nil {
			clock.BreachedAt = clock.DueAt
			if err := s.breached(ctx, tx, t, clock, p); err != nil {
				return err
			}
		}
		if err := s.escalate(ctx, tx, t, clock, p); err != nil {
			return err
		}
	}
	if moved {
		// Read again: an escalation's change of priority or team moved
		// the clocks through the ticket write's own hook.
		if clocks, err = s.loadClocks(ctx, tx, t.ID); err != nil {
			return err
		}
	}
	// This timer is spent: queue the next one.
	return s.putMarks(ctx, tx, t.ID, before, marksOf(clocks), true)
}

// recordWarning records clock's warning once, with its event.
func (s *Service) recordWarning(ctx context.Context, tx *db.Tx, t *ticket.Ticket, clock *Clock, p *Policy) (bool, error) {
	row, _, err := scanClockOf(tx.QueryRowContext(ctx, s.q.Get("warn-clock"), t.ID, clock.Target, clock.WarnAt.UnixMicro(), db.Now()), false)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // recorded already
	}
	if err != nil {
		return false, err
	}
	*clock = *row
	return true, s.event(ctx, tx, event.SLAWarning, t, clock, p)
}

// event appends kind (sla.warning or sla.breached) for c of t.
func (s *Service) event(ctx context.Context, tx *db.Tx, kind string, t *ticket.Ticket, c *Clock, p *Policy) error {
	pl := Payload{TicketPayload: event.TicketPayload{Number: t.Number, Depth: event.DepthOf(ctx)}, Target: c.Target, Policy: p.Name}
	if t.Team != nil {
		pl.TeamID = t.Team.ID
	}
	if c.BreachedAt != nil {
		pl.DueAt = *c.BreachedAt
	} else if c.DueAt != nil {
		pl.DueAt = *c.DueAt
	}
	_, err := s.Events.Append(ctx, tx, kind, Actor(p.ID, p.Name).EventActor(), "ticket", t.ID, t.ID, pl)
	return err
}

// breached records that c of t was breached: the event and a history
// entry. The timer escalates it (at once when it found the breach).
func (s *Service) breached(ctx context.Context, tx *db.Tx, t *ticket.Ticket, c *Clock, p *Policy) error {
	if err := s.event(ctx, tx, event.SLABreached, t, c, p); err != nil {
		return err
	}
	return s.Tickets.AppendHistory(ctx, tx, t.ID, Actor(p.ID, p.Name), "sla", "", TargetLabel(c.Target)+" breached")
}

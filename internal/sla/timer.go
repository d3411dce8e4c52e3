package sla

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/ticket"
)

// The kinds of the timer jobs and of the domain events they write.
const (
	WarningJob = "sla.warning"
	BreachJob  = "sla.breach"
)

// timerArgs are a timer job's: the clock, and the instant it was set for.
// The job does nothing when the clock no longer falls due then.
type timerArgs struct {
	TicketID int64  `json:"ticket_id"`
	Target   string `json:"target"`
	At       int64  `json:"at"`
}

// Payload is the payload of sla.warning and sla.breached events.
type Payload struct {
	event.TicketPayload
	Target string    `json:"target"`
	Policy string    `json:"policy"`
	DueAt  time.Time `json:"due_at"`
}

// arm queues the next timer of each running clock, in one statement: its
// warning, or once warned its breach. Each timer's unique key names the ticket, target,
// kind and instant, so arming twice queues one job; a clock that moves
// gets a new timer and its old one finds nothing to do.
func (s *Service) arm(ctx context.Context, tx *db.Tx, ticketID int64, cs ...*Clock) error {
	var ns []job.New
	for _, c := range cs {
		if n, ok := timer(ticketID, c); ok {
			ns = append(ns, n)
		}
	}
	return s.Jobs.InsertAll(ctx, tx, ns...)
}

// timer is the next timer of c, if it runs.
func timer(ticketID int64, c *Clock) (job.New, bool) {
	if !c.Running() || c.DueAt == nil || c.BreachedAt != nil {
		return job.New{}, false
	}
	kind, at := BreachJob, *c.DueAt
	if c.WarnedAt == nil && c.WarnAt != nil && !c.WarnAt.After(*c.DueAt) {
		kind, at = WarningJob, *c.WarnAt
	}
	key := kind + ":" + strconv.FormatInt(ticketID, 10) + ":" + c.Target + ":" + strconv.FormatInt(at.UnixMicro(), 10)
	return job.New{Kind: kind, RunAt: at, UniqueKey: key, MaxAttempts: 20,
		Args: timerArgs{TicketID: ticketID, Target: c.Target, At: at.UnixMicro()}}, true
}

// RegisterJobs registers the timer handlers with r.
func (s *Service) RegisterJobs(r *job.Runner) {
	r.Register(WarningJob, job.Kind{Handler: func(ctx context.Context, j *job.Job) error { return s.fire(ctx, j, WarningJob) }})
	r.Register(BreachJob, job.Kind{Handler: func(ctx context.Context, j *job.Job) error { return s.fire(ctx, j, BreachJob) }})
}

// deletedPolicy names the policy of a clock whose policy is gone.
var deletedPolicy = &Policy{Name: "(deleted)", WarnPercent: DefaultWarnPercent}

// fire runs one timer: in one transaction, behind the ticket's lock, it
// re-reads the clock and records the warning or breach only when the
// clock still falls due at the timer's instant and nobody recorded it
// yet (a conditional UPDATE: of two runners, one wins).
func (s *Service) fire(ctx context.Context, j *job.Job, kind string) error {
	var a timerArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return job.Permanent(fmt.Errorf("sla: timer args: %w", err))
	}
	if kind == WarningJob {
		return s.warn(ctx, a)
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var number, team int64 // read for the row lock it takes on PostgreSQL
		err := tx.QueryRowContext(ctx, s.q.Get("lock-ticket"), a.TicketID).Scan(&number, &team)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // the ticket is gone
		}
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q.Get("breach-clock"), a.TicketID, a.Target, a.At)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil // moved, stopped or recorded already
		}
		t, c, p, err := s.loadFor(ctx, tx, a)
		if err != nil || t == nil {
			return err
		}
		return s.breached(ctx, tx, t, c, p, true)
	})
}

// loadFor reads the ticket, the clock and its policy for a timer.
func (s *Service) loadFor(ctx context.Context, tx *db.Tx, a timerArgs) (*ticket.Ticket, *Clock, *Policy, error) {
	t, err := s.Tickets.ByIDTx(ctx, tx, a.TicketID)
	if err != nil {
		return nil, nil, nil, err
	}
	r := s.newRun(ctx, tx, t, time.Now())
	if err := r.load(); err != nil {
		return nil, nil, nil, err
	}
	c := r.clocks[a.Target]
	if c == nil {
		return nil, nil, nil, nil
	}
	p, err := s.get(ctx, tx, c.PolicyID)
	if errors.Is(err, fault.ErrNotFound) {
		p = deletedPolicy
	} else if err != nil {
		return nil, nil, nil, err
	}
	return t, c, p, nil
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

// breached records that c of t was breached: the event, a history entry
// and, from the timer (escalate), the policy's escalation. A clock found
// breached when it stops is not escalated: the work is done.
func (s *Service) breached(ctx context.Context, tx *db.Tx, t *ticket.Ticket, c *Clock, p *Policy, escalate bool) error {
	if err := s.event(ctx, tx, event.SLABreached, t, c, p); err != nil {
		return err
	}
	actor := Actor(p.ID, p.Name)
	if err := s.Tickets.AppendHistory(ctx, tx, t.ID, actor, "sla", "", TargetLabel(c.Target)+" breached"); err != nil {
		return err
	}
	if !escalate {
		return nil
	}
	return s.escalate(ctx, tx, t, c, p)
}

// Package sla runs service-level agreements on tickets: policies chosen by
// ordered conditions, each measuring first response, next response and
// resolution in the business hours of a calendar (package bizhours), and
// one clock per ticket and target (sla_clocks) that starts, pauses, stops
// and is rescheduled in the transaction of the ticket write that moves it:
// hooks that run before the ticket row is written (ticket.CreateHook,
// ticket.WriteHook) move the clocks, so that the row's own INSERT or
// UPDATE stores their due times, and store them once it is. Timers are
// durable jobs at each clock's warning and due times; a breach writes the
// sla.breached domain event and escalates.
//
// What moves the clocks:
//   - ticket.created: the policy is chosen; first response and resolution
//     start at the ticket's creation.
//   - a public reply by an agent stops first response and next response;
//     an internal note moves nothing.
//   - a public message by the requester starts next response, once first
//     response has stopped and unless one is already counting.
//   - pending and on hold pause the running clocks; leaving them resumes
//     the paused ones, and the paused business minutes push the due times
//     back.
//   - resolved or closed stops every clock; a clock stopped past its due
//     time is breached at once. Reopening resumes resolution where it
//     stopped.
//   - a change of priority, type, category, team or a custom field chooses
//     the policy again and recomputes the goals and due times from each
//     clock's start, with a history entry saying why.
package sla

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/docket/docket/internal/calendar"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

//go:embed queries*.sql
var queryFiles embed.FS

// The kinds of domain events policy changes write; the subject is the
// policy.
const (
	EventPolicyCreated = "sla_policy.created"
	EventPolicyUpdated = "sla_policy.updated"
	EventPolicyDeleted = "sla_policy.deleted"
)

// Deps are what the service needs.
type Deps struct {
	DB        *db.DB
	Events    *event.Log
	Jobs      *job.Queue
	Tickets   *ticket.Service
	Users     *user.Service
	Calendars *calendar.Service
	// Pump, when set, tells the policy cache of other instances' policy
	// and calendar changes; without it every write checks the tables.
	Pump *event.Pump
}

// Service stores policies and runs the clocks.
type Service struct {
	Deps
	q *db.Queries

	cache *event.Cached[policyMark, *cache]
}

// New returns the service, its policy cache told of policy and calendar
// changes by the event log (and the pump, when set). Register hooks it into
// ticket writes and calendar deletion.
func New(d Deps) (*Service, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.DB.Dialect)
	if err != nil {
		return nil, fmt.Errorf("sla: %w", err)
	}
	// The clock upserts of two and three rows, prepared at start-up with
	// the others: preparing one costs as much again as running it.
	for n := 2; n <= len(Targets); n++ {
		q.Add(upsertClocks(n), db.Rows(q.Get(upsertClocks(1)), n))
	}
	s := &Service{Deps: d, q: q}
	s.cache = s.newCache()
	return s, nil
}

// Queries exposes the named queries for start-up checks.
func (s *Service) Queries() *db.Queries { return s.q }

// Register hooks the clocks into every ticket write and refuses to delete
// a calendar a policy uses. Call before serving.
func (s *Service) Register() {
	s.Tickets.BeforeCreate(s.BeforeCreate)
	s.Tickets.BeforeWrite(s.BeforeWrite)
	s.Tickets.OnWrite(s.Hook)
	s.Calendars.CountUsesWith(func(ctx context.Context, q db.Queryer, id int64) (int, string, error) {
		var n int
		err := q.QueryRowContext(ctx, s.q.Get("count-calendar-policies"), id).Scan(&n)
		what := "SLA policies"
		if n == 1 {
			what = "SLA policy"
		}
		return n, what, err
	})
}

// Actor is the SLA as history and events name it.
func Actor(policyID int64, name string) *user.Actor {
	return user.System(event.ActorSLA, policyID, "SLA ‘"+name+"’")
}

func scanPolicy(sc db.Scanner) (*Policy, error) {
	var p Policy
	var conds, targets, esc string
	var cr, up int64
	if err := sc.Scan(&p.ID, &p.Name, &p.Position, &p.Enabled, &p.CalendarID, &p.CalendarName, &conds, &targets,
		&p.WarnPercent, &esc, &cr, &up); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = db.Time(cr), db.Time(up)
	if err := json.Unmarshal([]byte(conds), &p.Conditions); err != nil {
		return nil, fmt.Errorf("sla: policy %d conditions: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(targets), &p.Targets); err != nil {
		return nil, fmt.Errorf("sla: policy %d targets: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(esc), &p.Escalation); err != nil {
		return nil, fmt.Errorf("sla: policy %d escalation: %w", p.ID, err)
	}
	if p.Conditions == nil {
		p.Conditions = []Condition{}
	}
	if p.Targets == nil {
		p.Targets = []Target{}
	}
	return &p, nil
}

func (s *Service) get(ctx context.Context, q db.Queryer, id int64) (*Policy, error) {
	p, err := scanPolicy(q.QueryRowContext(ctx, s.q.Get("select-policy"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sla policy %d: %w", id, fault.ErrNotFound)
	}
	return p, err
}

// Get returns policy id (agents only: requesters learn nothing, not even
// that it exists).
func (s *Service) Get(ctx context.Context, a *user.Actor, id int64) (*Policy, error) {
	if !a.IsAgent() {
		return nil, fmt.Errorf("sla policy %d: %w", id, fault.ErrNotFound)
	}
	p, err := s.get(ctx, s.DB.R, id)
	if err != nil {
		return nil, err
	}
	return p, s.teamNames(ctx, []*Policy{p})
}

// List returns up to limit policies in order after the position cursor
// (agents only).
func (s *Service) List(ctx context.Context, a *user.Actor, after, limit int) ([]*Policy, error) {
	if !a.IsAgent() {
		return nil, fault.Forbidden("only agents may read SLA policies")
	}
	rows, err := s.DB.R.QueryContext(ctx, s.q.Get("list-policies"), after, limit)
	if err != nil {
		return nil, fmt.Errorf("sla: list: %w", err)
	}
	ps, err := db.Collect(rows, scanPolicy)
	if err != nil {
		return nil, err
	}
	return ps, s.teamNames(ctx, ps)
}

// teamNames fills in the escalation teams' current names.
func (s *Service) teamNames(ctx context.Context, ps []*Policy) error {
	for _, p := range ps {
		if p.Escalation.TeamID == nil {
			continue
		}
		t, err := s.Users.Team(ctx, *p.Escalation.TeamID)
		if errors.Is(err, fault.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		p.Escalation.TeamName = t.Name
	}
	return nil
}

// TicketsUsing counts the tickets with a clock of policy id.
func (s *Service) TicketsUsing(ctx context.Context, q db.Queryer, id int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, s.q.Get("count-policy-tickets"), id).Scan(&n)
	return n, err
}

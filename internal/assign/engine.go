package assign

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// Outcome is what an attempt to assign a ticket did.
type Outcome struct {
	// Assignee is who took the ticket; nil when nobody did.
	Assignee *Member
	// Waiting is true when the team has a strategy but nobody may take
	// the ticket now: it waits in the team's queue.
	Waiting bool
	// Reason says why, in words: the history's reason on an assignment.
	Reason string
}

// reasonKey carries the reason of an automatic assignment to the
// ticket.assigned event its write produces.
type reasonKey struct{}

type reason struct{ strategy, text string }

// Assign assigns ticket number by its team's strategy, in the transaction
// ctx carries (db.WithinTx): a rule's "assign by the team's strategy".
// A ticket already assigned, resolved or closed, without a team, or in a
// team whose strategy is off is left alone (the Outcome says so).
func (s *Service) Assign(ctx context.Context, number int64) (Outcome, error) {
	var out Outcome
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.assign(db.WithinTx(ctx, tx), tx, number)
		return err
	})
	return out, err
}

// assign is Assign in tx, behind the assignment lock.
func (s *Service) assign(ctx context.Context, tx *db.Tx, number int64) (Outcome, error) {
	if _, err := tx.ExecContext(ctx, s.q.Get("lock-assignment")); err != nil {
		return Outcome{}, err
	}
	t, err := s.Tickets.Load(ctx, tx, number)
	if errors.Is(err, fault.ErrNotFound) {
		return Outcome{Reason: "the ticket is gone"}, nil
	}
	if err != nil {
		return Outcome{}, err
	}
	switch {
	case t.Assignee != nil:
		return Outcome{Reason: "the ticket is assigned already"}, nil
	case !t.Status.Active() || t.MergedInto != 0:
		return Outcome{Reason: "the ticket is " + string(t.Status)}, nil
	case t.Team == nil:
		return Outcome{Reason: "the ticket has no team"}, nil
	}
	st, err := s.settings(ctx, tx, t.Team.ID)
	if err != nil {
		return Outcome{}, err
	}
	if st.Strategy == Off {
		return Outcome{Reason: "automatic assignment is off in " + st.Team}, nil
	}
	m, why := pick(st, t)
	if m == nil {
		return Outcome{Waiting: true, Reason: why}, nil
	}
	email := m.Email
	wctx := context.WithValue(ctx, reasonKey{}, reason{st.Strategy, why})
	if _, err := s.Tickets.Update(wctx, Actor, number, ticket.Patch{Assignee: &email}, 0); err != nil {
		return Outcome{}, err
	}
	if _, err := tx.ExecContext(ctx, s.q.Get("set-last-user"), st.TeamID, m.ID); err != nil {
		return Outcome{}, err
	}
	if err := s.Tickets.AppendHistory(ctx, tx, t.ID, Actor, "assignment", "", why); err != nil {
		return Outcome{}, err
	}
	return Outcome{Assignee: m, Reason: why}, nil
}

// drainLimit bounds the waiting tickets one drain looks at.
const drainLimit = 200

// drain assigns team id's waiting tickets, oldest first, while someone
// may take them. With round-robin and least loaded the first ticket
// nobody may take ends it; by skill each ticket is tried, since another
// ticket's tags may match someone free.
func (s *Service) drain(ctx context.Context, tx *db.Tx, id int64) error {
	if _, err := tx.ExecContext(ctx, s.q.Get("lock-assignment")); err != nil {
		return err
	}
	st, err := s.settings(ctx, tx, id)
	if err != nil || st.Strategy == Off {
		return err
	}
	numbers, err := ids(tx.QueryContext(ctx, s.q.Get("waiting-tickets"), id, drainLimit))
	if err != nil {
		return err
	}
	for _, n := range numbers {
		out, err := s.try(ctx, tx, n)
		if err != nil {
			return err
		}
		if out.Waiting && st.Strategy != Skill {
			return nil
		}
	}
	return nil
}

// try is assign for the consumer: a refusal of the ticket service (a rule
// loop's depth limit, a ticket changed meanwhile) is logged and the
// ticket waits; only database failures are errors.
func (s *Service) try(ctx context.Context, tx *db.Tx, number int64) (Outcome, error) {
	out, err := s.assign(ctx, tx, number)
	if err == nil {
		return out, nil
	}
	for _, k := range []error{event.ErrTooDeep, fault.ErrInvalid, fault.ErrConflict, fault.ErrNotFound, fault.ErrForbidden} {
		if errors.Is(err, k) {
			s.Log.Warn("could not assign a ticket; it waits", "ticket", number, "err", err)
			return Outcome{Waiting: true, Reason: err.Error()}, nil
		}
	}
	return out, err
}

// ConsumerName is the durable event consumer that assigns tickets.
const ConsumerName = "assignment"

// Consumer is the durable event consumer that assigns tickets after the
// writes that make them assignable, and drains waiting tickets when
// someone becomes free. Register it with the event pump.
func (s *Service) Consumer() *event.Consumer {
	return &event.Consumer{Name: ConsumerName, Handle: s.handle, Batch: 100}
}

func (s *Service) handle(ctx context.Context, tx *db.Tx, recs []event.Record) error {
	for _, r := range recs {
		cctx := db.WithinTx(event.CausedBy(ctx, r), tx)
		var err error
		switch r.Kind {
		case event.TicketCreated, event.TicketUpdated:
			if r.SubjectType == "ticket" {
				err = s.onTicket(cctx, tx, r)
			}
		case EventAvailabilityChanged:
			var p struct {
				Availability string `json:"availability"`
			}
			if json.Unmarshal(r.Payload, &p) == nil && p.Availability == Available {
				err = s.drainAgent(cctx, tx, r.SubjectID)
			}
		case EventSkillsUpdated:
			err = s.drainAgent(cctx, tx, r.SubjectID)
		case EventSettingsUpdated:
			err = s.drain(cctx, tx, r.SubjectID)
		case user.EventTeamMemberAdded:
			err = s.drain(cctx, tx, r.SubjectID)
		}
		if err != nil {
			return fmt.Errorf("assign: event %d (%s): %w", r.ID, r.Kind, err)
		}
	}
	return nil
}

// onTicket assigns a ticket that became assignable (created, moved to a
// team, its assignee cleared, reopened), and drains the teams of an agent
// the write may have freed (a ticket of theirs resolved, closed or handed
// on).
func (s *Service) onTicket(ctx context.Context, tx *db.Tx, r event.Record) error {
	var p event.TicketPayload
	if err := json.Unmarshal(r.Payload, &p); err != nil || p.Number == 0 {
		return nil
	}
	if r.Kind == event.TicketCreated && p.TeamID == 0 {
		// Created without a team: nothing to assign, and nobody freed. A
		// write that moves it to a team later has an event of its own.
		return nil
	}
	fields := p.Fields
	relevant := r.Kind == event.TicketCreated || slices.ContainsFunc(fields, func(f string) bool {
		return f == "team" || f == "assignee" || f == "status"
	})
	if !relevant {
		return nil
	}
	if _, err := s.try(ctx, tx, p.Number); err != nil {
		return err
	}
	var freed []string
	for _, c := range p.Changes {
		switch {
		case c.Field == "assignee" && c.Old != "":
			freed = append(freed, c.Old)
		case c.Field == "status" && (c.New == string(ticket.StatusResolved) || c.New == string(ticket.StatusClosed)):
			t, err := s.Tickets.Load(ctx, tx, p.Number)
			if err != nil && !errors.Is(err, fault.ErrNotFound) {
				return err
			}
			if t != nil && t.Assignee != nil {
				freed = append(freed, t.Assignee.Email)
			}
		}
	}
	for _, email := range freed {
		u, err := s.Users.ByEmailTx(ctx, tx, email)
		if errors.Is(err, fault.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := s.drainAgent(ctx, tx, u.ID); err != nil {
			return err
		}
	}
	return nil
}

// drainAgent drains every team with a strategy agent id is in.
func (s *Service) drainAgent(ctx context.Context, tx *db.Tx, id int64) error {
	teams, err := ids(tx.QueryContext(ctx, s.q.Get("teams-of-agent"), id))
	if err != nil {
		return err
	}
	for _, t := range teams {
		if err := s.drain(ctx, tx, t); err != nil {
			return err
		}
	}
	return nil
}

// AssignedPayload is the payload of a ticket.assigned event.
type AssignedPayload struct {
	Number   int64  `json:"number"`
	TeamID   int64  `json:"team_id,omitempty"`
	Assignee string `json:"assignee"`
	// AssigneeID is the user id of the assignee.
	AssigneeID int64  `json:"assignee_id"`
	Previous   string `json:"previous,omitempty"`
	// Automatic is true for an assignment by a team's strategy, with the
	// strategy and the reason history records.
	Automatic bool   `json:"automatic"`
	Strategy  string `json:"strategy,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Depth     int    `json:"depth,omitempty"`
}

// hook writes a ticket.assigned event for each ticket write that gives the
// ticket an assignee (a person, whoever did it), in the write's
// transaction: what notifications and webhooks follow.
func (s *Service) hook(ctx context.Context, tx *db.Tx, w ticket.Write) error {
	if w.Ticket == nil || w.Ticket.Assignee == nil {
		return nil
	}
	p := AssignedPayload{Number: w.Ticket.Number, Assignee: w.Ticket.Assignee.Email, AssigneeID: w.Ticket.Assignee.ID,
		Depth: event.DepthOf(ctx)}
	if w.Ticket.Team != nil {
		p.TeamID = w.Ticket.Team.ID
	}
	switch w.Event.Type {
	case event.TicketCreated:
	case event.TicketUpdated:
		i := slices.IndexFunc(w.Fields, func(c ticket.FieldChange) bool { return c.Field == "assignee" })
		if i < 0 || w.Fields[i].New == "" {
			return nil
		}
		p.Previous = w.Fields[i].Old
	default:
		return nil
	}
	if r, ok := ctx.Value(reasonKey{}).(reason); ok {
		p.Automatic, p.Strategy, p.Reason = true, r.strategy, r.text
	}
	_, err := s.Events.Append(ctx, tx, event.TicketAssigned, w.Actor.EventActor(), "ticket", w.Ticket.ID, w.Ticket.ID, p)
	return err
}

// ids reads a one-column list of numbers (ids, ticket numbers).
func ids(rows *sql.Rows, err error) ([]int64, error) {
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, db.Int64)
}

package sla

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
)

// NotificationKind is the in-app notification of a breach.
const NotificationKind = "sla_breach"

// escalate does what policy p says on a breach of c: tell the assignee
// and the team's leads (in the app and by email), raise the priority one
// step, hand the ticket to the escalation team. The changes go through
// ticket.Service in the timer's transaction, so the history names the SLA
// and the clocks are measured again by the new priority or team.
func (s *Service) escalate(ctx context.Context, tx *db.Tx, t *ticket.Ticket, c *Clock, p *Policy) error {
	e := p.Escalation
	if e.Notify {
		if err := s.tell(ctx, tx, t, c, p); err != nil {
			return err
		}
	}
	var patch ticket.Patch
	if e.RaisePriority && t.Priority > ticket.P1 {
		prio := (t.Priority - 1).String()
		patch.Priority = &prio
	}
	if e.TeamID != nil && (t.Team == nil || t.Team.ID != *e.TeamID) {
		team, err := s.Users.Team(ctx, *e.TeamID)
		switch {
		case errors.Is(err, fault.ErrNotFound): // the team is gone: nothing to hand over to
		case err != nil:
			return err
		default:
			patch.Team = &team.Name
		}
	}
	if patch.Priority == nil && patch.Team == nil {
		return nil
	}
	if _, err := s.Tickets.Update(db.WithinTx(ctx, tx), Actor(p.ID, p.Name), t.Number, patch, 0); err != nil {
		return fmt.Errorf("escalate %s: %w", t.Reference, err)
	}
	return nil
}

// tell notifies the assignee and the leads of the ticket's team.
func (s *Service) tell(ctx context.Context, tx *db.Tx, t *ticket.Ticket, c *Clock, p *Policy) error {
	var to []int64
	if t.Assignee != nil {
		to = append(to, t.Assignee.ID)
	}
	if t.Team != nil {
		rows, err := tx.QueryContext(ctx, s.q.Get("team-leads"), t.Team.ID)
		if err != nil {
			return err
		}
		leads, err := db.Collect(rows, func(sc db.Scanner) (int64, error) {
			var id int64
			return id, sc.Scan(&id)
		})
		if err != nil {
			return err
		}
		for _, id := range leads {
			if !slices.Contains(to, id) {
				to = append(to, id)
			}
		}
	}
	if len(to) == 0 {
		return nil
	}
	msg, err := s.causeMessage(ctx, tx, t.ID, c)
	if err != nil {
		return err
	}
	for _, id := range to {
		if s.Notifier != nil && msg != 0 {
			if err := s.Notifier.Notify(ctx, tx, id, NotificationKind+"_"+c.Target, t.ID, msg); err != nil {
				return err
			}
		}
		if s.Mailer != nil {
			if err := s.Mailer.SLABreach(ctx, tx, t, id, TargetLabel(c.Target), p.Name); err != nil {
				return err
			}
		}
	}
	return nil
}

// causeMessage is the message a clock measures the answer to: the
// requester's message that started a next-response clock, else the
// ticket's first message. A notification points at it, and is made once
// per person, message and kind.
func (s *Service) causeMessage(ctx context.Context, tx *db.Tx, ticketID int64, c *Clock) (int64, error) {
	var id int64
	var err error
	if c.Target == NextResponse {
		err = tx.QueryRowContext(ctx, s.q.Get("requester-message-at"), ticketID, c.StartedAt.UnixMicro()).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
	}
	err = tx.QueryRowContext(ctx, s.q.Get("first-message"), ticketID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

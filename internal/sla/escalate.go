package sla

import (
	"context"
	"errors"
	"fmt"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
)

// escalate does what policy p says on a breach of c: raise the priority
// one step, hand the ticket to the escalation team. The changes go through
// ticket.Service in the timer's transaction, so the history names the SLA
// and the clocks are measured again by the new priority or team. Telling
// the assignee and the team's leads (escalation "notify") is the
// notifications consumer's, from the sla.breached event.
func (s *Service) escalate(ctx context.Context, tx *db.Tx, t *ticket.Ticket, c *Clock, p *Policy) error {
	e := p.Escalation
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

package user

import (
	"context"
	"fmt"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
)

// SetLead makes the member with email a lead of team id, or no longer one
// (admins only). Leads are told when an SLA target of the team's tickets
// is breached.
func (s *Service) SetLead(ctx context.Context, actor *Actor, id int64, email string, lead bool) (*Team, error) {
	if err := requireAdmin(actor, "set team lead"); err != nil {
		return nil, err
	}
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		t, err := s.team(ctx, tx, id)
		if err != nil {
			return err
		}
		u, err := s.byEmail(ctx, tx, email)
		if err != nil {
			return fault.Field("email", "no user with this email")
		}
		before, err := s.leads(ctx, tx, id)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q.Get("set-member-lead"), id, u.ID, lead)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fault.Field("email", "%s is not a member of the team", email)
		}
		after, err := s.leads(ctx, tx, id)
		if err != nil {
			return err
		}
		c := event.Changes{}
		c.Note("leads", before, after)
		if len(c) == 0 {
			return nil
		}
		return s.record(ctx, tx, actor, EventTeamUpdated, "team", id, map[string]any{"name": t.Name, "changes": c})
	})
	if err != nil {
		return nil, fmt.Errorf("user: team %d lead: %w", id, err)
	}
	return s.Team(ctx, id)
}

// leads lists the emails of team id's leads.
func (s *Service) leads(ctx context.Context, q db.Queryer, id int64) ([]string, error) {
	_, leads, err := s.memberEmails(ctx, q, id)
	return leads, err
}

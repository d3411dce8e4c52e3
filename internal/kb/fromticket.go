package kb

import (
	"context"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// FromTicket turns a resolved (or closed) ticket's solution into a draft
// article linked to the ticket: its subject becomes the title, its
// solution the body, its tags the article's. The article is internal
// until an agent decides otherwise. t must be a ticket the actor may see
// (as ticket.Service.Get returns it).
func (s *Service) FromTicket(ctx context.Context, actor *user.Actor, t *ticket.Ticket) (*Article, error) {
	if err := requireAgent(actor); err != nil {
		return nil, err
	}
	if t.Status != ticket.StatusResolved && t.Status != ticket.StatusClosed {
		return nil, fault.Field("status", "only a resolved or closed ticket's solution becomes an article")
	}
	if strings.TrimSpace(t.Solution) == "" {
		return nil, fault.Field("solution", "the ticket has no solution to turn into an article")
	}
	title := t.Subject
	if r := []rune(title); len(r) > MaxTitle {
		title = string(r[:MaxTitle])
	}
	tags := t.Tags
	in := ArticleInput{Title: &title, Body: &t.Solution, Tags: &tags}
	var id int64
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		var err error
		if id, err = s.create(ctx, tx, actor, in); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q.Get("link-ticket"), id, t.ID, db.Now())
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.load(ctx, s.db.R, id)
}

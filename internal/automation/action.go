package automation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// Rule is what applies a list of actions: its actor (the rule, in
// history) and the author of the messages it writes.
type Rule struct {
	Actor    *user.Actor
	AuthorID int64
}

// Apply applies acts to ticket number through the domain services, in tx
// (which ctx must carry, db.WithinTx): first every field change as one
// update (one history entry per field, one ticket.updated event), then
// the notes, replies, emails and webhooks in their order. ev is the event
// the rule runs on, sent by webhook actions. stop reports a "stop
// processing rules" action. On an error the caller rolls tx (or its
// savepoint) back, so nothing the actions did remains.
func (s *Service) Apply(ctx context.Context, tx *db.Tx, r Rule, number int64, acts Actions, ev event.Record) (stop bool, err error) {
	t, err := s.Tickets.Load(ctx, tx, number)
	if err != nil {
		return false, err
	}
	p, changes := patchOf(t, acts)
	if changes {
		if t, err = s.Tickets.Update(ctx, r.Actor, number, p, 0); err != nil {
			return false, err
		}
	}
	for i, a := range acts {
		if err := s.act(ctx, tx, r, t, a, ev); err != nil {
			return false, fmt.Errorf("action %d (%s): %w", i+1, a.Type, err)
		}
		stop = stop || a.Type == ActStop
	}
	return stop, nil
}

// patchOf gathers the field changes of acts into one patch; changes is
// false when there are none.
func patchOf(t *ticket.Ticket, acts Actions) (p ticket.Patch, changes bool) {
	tags := append([]string{}, t.Tags...)
	tagged := false
	for _, a := range acts {
		v := valueString(a.Value)
		switch a.Type {
		case ActSet:
			changes = true
			switch a.Field {
			case "status":
				st := ticket.Status(v)
				p.Status = &st
				if a.Resolution != "" {
					res := ticket.Resolution(a.Resolution)
					p.Resolution = &res
				}
			case "priority":
				p.Priority = &v
			case "type":
				typ := ticket.Type(v)
				p.Type = &typ
			case "category":
				p.Category = &v
			case "team":
				p.Team = &v
			case "assignee":
				p.Assignee = &v
			default:
				if p.CustomFields == nil {
					p.CustomFields = map[string]any{}
				}
				p.CustomFields[strings.TrimPrefix(a.Field, customPrefix)] = a.Value
			}
		case ActAddTags:
			for _, tag := range a.Tags {
				if !slices.Contains(tags, tag) {
					tags, tagged = append(tags, tag), true
				}
			}
		case ActRemoveTags:
			for _, tag := range a.Tags {
				if i := slices.Index(tags, tag); i >= 0 {
					tags, tagged = slices.Delete(tags, i, i+1), true
				}
			}
		}
	}
	if tagged {
		p.Tags, changes = &tags, true
	}
	return p, changes
}

// act applies one action that is not a field change.
func (s *Service) act(ctx context.Context, tx *db.Tx, r Rule, t *ticket.Ticket, a Action, ev event.Record) error {
	switch a.Type {
	case ActNote, ActReply:
		if r.AuthorID == 0 {
			return fault.Conflict("the trigger has no author for its messages; an admin must save it again")
		}
		req := outbox.Address{Name: t.Requester.Name, Email: t.Requester.Email}
		body, err := outbox.RenderText(a.Body, outbox.DataFor(t, req, outbox.Address{Name: r.Actor.Name}))
		if err != nil {
			return fault.Field("body", "%v", err)
		}
		_, err = s.Tickets.Reply(ctx, r.Actor, t.Number, ticket.NewReply{Body: body, Internal: a.Type == ActNote,
			Author: r.AuthorID, Format: ticket.FormatMarkdown, Channel: ticket.ChannelWeb})
		return err
	case ActEmail:
		if s.Mailer == nil {
			return errors.New("email is not available")
		}
		to, err := s.recipients(ctx, tx, a)
		if err != nil {
			return err
		}
		for _, u := range to {
			d := outbox.DataFor(t, outbox.Address{Name: u.Name, Email: u.Email}, outbox.Address{Name: r.Actor.Name})
			subject, err1 := outbox.RenderText(a.Subject, d)
			body, err2 := outbox.RenderText(a.Body, d)
			if err := errors.Join(err1, err2); err != nil {
				return err
			}
			if err := s.Mailer.Notice(ctx, tx, t, u.ID, subject, body); err != nil {
				return err
			}
		}
	case ActWebhook:
		if s.Webhooks == nil {
			return errors.New("webhooks are not available")
		}
		return s.Webhooks.Send(ctx, tx, a.WebhookID, ev)
	case ActAssign:
		if s.Assigner == nil {
			return errors.New("automatic assignment is not available")
		}
		// The ticket as the field changes left it: a rule may set the team
		// first. Nobody free leaves it waiting in the team's queue.
		_, err := s.Assigner.Assign(db.WithinTx(ctx, tx), t.Number)
		return err
	}
	return nil
}

// recipients are the people an email action names: one person, or the
// active members of a team.
func (s *Service) recipients(ctx context.Context, tx *db.Tx, a Action) ([]*user.User, error) {
	if a.To != "" {
		u, err := s.Users.ByEmailTx(ctx, tx, a.To)
		if err != nil {
			return nil, err
		}
		return []*user.User{u}, nil
	}
	team, err := s.Users.TeamByName(ctx, tx, a.Team)
	if err != nil {
		return nil, err
	}
	if team, err = s.Users.Team(ctx, team.ID); err != nil {
		return nil, err
	}
	var out []*user.User
	for _, email := range team.Members {
		u, err := s.Users.ByEmailTx(ctx, tx, email)
		if err != nil {
			return nil, err
		}
		if u.Active {
			out = append(out, u)
		}
	}
	return out, nil
}

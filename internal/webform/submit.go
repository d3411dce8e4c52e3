package webform

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// Submission is what a visitor sent through a form.
type Submission struct {
	Name, Email, Subject, Body string
	// CustomFields are the values of the form's fields (Fields), by key;
	// empty ones left out.
	CustomFields map[string]any
}

// Fields are the custom fields the form shows: active, shown to
// requesters, and applying to the form's type and category.
func (s *Service) Fields(ctx context.Context, f *Form) ([]*ticket.FieldDef, error) {
	defs, err := s.tickets.FieldDefs(ctx)
	if err != nil {
		return nil, err
	}
	var out []*ticket.FieldDef
	for _, d := range defs {
		if d.Active && d.RequesterVisible && d.Applies(f.Type, f.categoryID) {
			out = append(out, d)
		}
	}
	return out, nil
}

// Submit opens a ticket from a submission, filed by the form for the
// requester it names (created when new), with the form's type, category
// and team, on the web channel: the requester gets the acknowledgement
// email with the link that follows the ticket. Field errors name the
// form's inputs: name, email, subject, body, custom_fields.<key>.
func (s *Service) Submit(ctx context.Context, f *Form, sub Submission) (*ticket.Ticket, error) {
	inv := &fault.Invalid{}
	sub.Name, sub.Email = strings.TrimSpace(sub.Name), strings.TrimSpace(sub.Email)
	if sub.Name == "" {
		inv.Add("name", "enter your name")
	} else if len(sub.Name) > user.MaxName {
		inv.Add("name", "at most %d characters", user.MaxName)
	}
	if sub.Email == "" {
		inv.Add("email", "enter your email address, so we can answer")
	} else if _, err := user.NormalizeEmail("email", sub.Email); err != nil {
		inv.Add("email", "is not an email address")
	}
	if strings.TrimSpace(sub.Subject) == "" {
		inv.Add("subject", "enter a subject")
	}
	if strings.TrimSpace(sub.Body) == "" {
		inv.Add("body", "describe what you need")
	}
	defs, err := s.Fields(ctx, f)
	if err != nil {
		return nil, err
	}
	// The form is filed by a system actor, which the ticket service does
	// not hold to required fields: the form holds the visitor to those it
	// shows.
	for _, d := range defs {
		if v, ok := sub.CustomFields[d.Key]; d.Required && (!ok || v == nil || v == "") {
			inv.Add("custom_fields."+d.Key, "is required")
		}
	}
	in := ticket.NewTicket{Subject: sub.Subject, Body: sub.Body, Requester: &ticket.Contact{Email: sub.Email, Name: sub.Name},
		Type: f.Type, Channel: ticket.ChannelWeb, CustomFields: sub.CustomFields,
		InTx: func(ctx context.Context, tx *db.Tx, number, messageID int64) error {
			_, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE web_forms SET submissions = submissions + 1 WHERE id = $1`), f.ID)
			return err
		}}
	if f.Category != nil {
		in.Category = *f.Category
	}
	if f.Team != nil {
		in.Team = *f.Team
	}
	if err := inv.Err(); err != nil {
		return nil, fmt.Errorf("web form: %w", err)
	}
	t, err := s.tickets.Create(ctx, f.Actor(), in)
	if err != nil {
		return nil, fmt.Errorf("web form: %w", renameFields(err))
	}
	return t, nil
}

// renameFields names a ticket's field errors as the form's inputs.
func renameFields(err error) error {
	var inv *fault.Invalid
	if !errors.As(err, &inv) {
		return err
	}
	out := &fault.Invalid{}
	for _, fe := range inv.Fields {
		switch fe.Field {
		case "requester.email", "requester":
			fe.Field = "email"
		case "requester.name":
			fe.Field = "name"
		}
		out.Fields = append(out.Fields, fe)
	}
	return out
}

// CountSpam counts a submission refused as spam on the form.
func (s *Service) CountSpam(ctx context.Context, f *Form) error {
	_, err := s.db.W.ExecContext(ctx, s.db.Rebind(`UPDATE web_forms SET spam = spam + 1 WHERE id = $1`), f.ID)
	return err
}

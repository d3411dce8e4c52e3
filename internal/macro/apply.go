package macro

import (
	"context"
	"fmt"
	"strings"

	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// Applied is what applying a macro did: the ticket as it left it, and the
// macro's reply text filled for that ticket (for the composer; "" for
// none).
type Applied struct {
	Macro  *Macro
	Ticket *ticket.Ticket
	Reply  string
}

// Apply applies macro id to ticket number as agent a, in one transaction:
// the history entry naming the macro, then — when not nil — with, which a
// caller uses to send the reply in the same transaction (before the
// actions, so a macro that resolves or closes the ticket can answer it),
// every action (through the same code as a trigger's, with a as the
// actor) and the usage count. When any of them fails nothing is written. With ifVersion
// > 0 it fails with fault.ErrPrecondition when the ticket's version
// differs (If-Match).
func (s *Service) Apply(ctx context.Context, a *user.Actor, number, id, ifVersion int64, with func(ctx context.Context) error) (*Applied, error) {
	m, err := s.use(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.Tickets.Get(ctx, a, number); err != nil {
		return nil, err
	}
	me, err := s.Users.Get(ctx, a.PersonID())
	if err != nil {
		return nil, err
	}
	out := &Applied{Macro: m}
	err = s.DB.WithTx(ctx, func(tx *db.Tx) error {
		ctx := db.WithinTx(ctx, tx)
		t, err := s.Tickets.Load(ctx, tx, number)
		if err != nil {
			return err
		}
		if ifVersion > 0 && t.Version != ifVersion {
			return fmt.Errorf("ticket %s changed since version %d: %w", t.Reference, ifVersion, fault.ErrPrecondition)
		}
		if err := s.Tickets.NoteHistory(ctx, tx, a, t.ID, HistoryField, "", m.Name); err != nil {
			return err
		}
		if with != nil {
			if err := with(ctx); err != nil {
				return err
			}
		}
		if _, err := s.Automation.Apply(ctx, tx, automation.Rule{Actor: a, AuthorID: a.PersonID()}, number, m.Actions,
			event.Record{Kind: event.TicketUpdated, TicketID: t.ID, SubjectType: "ticket"}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("count-use"), m.ID); err != nil {
			return err
		}
		if out.Ticket, err = s.Tickets.Load(ctx, tx, number); err != nil {
			return err
		}
		out.Reply = Fill(m.Body, Values(out.Ticket, me))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("macro %d on %d: %w", id, number, err)
	}
	m.UsageCount++
	return out, nil
}

// use returns macro id when a may apply it: a personal macro only its
// owner, even an admin (who manages it) does not.
func (s *Service) use(ctx context.Context, a *user.Actor, id int64) (*Macro, error) {
	m, err := s.Get(ctx, a, id)
	if err == nil && m.OwnerID != 0 && m.OwnerID != a.PersonID() {
		return nil, fmt.Errorf("macro %d: %w", id, fault.ErrNotFound)
	}
	return m, err
}

// FillFor returns macro id's reply text with its placeholders filled for
// ticket number, as a may see both: what the composer receives.
func (s *Service) FillFor(ctx context.Context, a *user.Actor, id, number int64) (*Macro, string, error) {
	m, err := s.use(ctx, a, id)
	if err != nil {
		return nil, "", err
	}
	t, err := s.Tickets.Get(ctx, a, number)
	if err != nil {
		return nil, "", err
	}
	me, err := s.Users.Get(ctx, a.PersonID())
	if err != nil {
		return nil, "", err
	}
	return m, Fill(m.Body, Values(t, me)), nil
}

// Values are the placeholders' values for ticket t and agent me.
func Values(t *ticket.Ticket, me *user.User) map[string]string {
	name := t.Requester.Name
	if name == "" {
		name = t.Requester.Email
	}
	return map[string]string{"requester.name": name, "requester.email": t.Requester.Email,
		"ticket.number": t.Reference, "ticket.subject": t.Subject, "agent.name": me.Name, "agent.signature": me.Signature}
}

// Fill replaces the placeholders {{requester.name}}, {{requester.email}},
// {{ticket.number}}, {{ticket.subject}}, {{agent.name}} and
// {{agent.signature}} with their values; unknown ones stay as written.
func Fill(body string, values map[string]string) string {
	var b strings.Builder
	for {
		i := strings.Index(body, "{{")
		if i < 0 {
			b.WriteString(body)
			return b.String()
		}
		j := strings.Index(body[i:], "}}")
		if j < 0 {
			b.WriteString(body)
			return b.String()
		}
		key := strings.TrimSpace(body[i+2 : i+j])
		b.WriteString(body[:i])
		if v, ok := values[key]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(body[i : i+j+2])
		}
		body = body[i+j+2:]
	}
}

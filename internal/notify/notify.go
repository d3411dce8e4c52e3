// Package notify tells agents what concerns them inside the workspace: a
// colleague mentioning them in an internal note. Each notification is a row
// written in the transaction of the note itself (a ticket write hook), so
// it exists exactly when the note does; the person's email, if they want
// one, goes into the outbox in the same transaction.
package notify

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

//go:embed queries.sql
var queryFiles embed.FS

// KindMention is a notification of a mention in an internal note.
const KindMention = "mention"

// Mailer writes the email telling user to that they were mentioned in the
// message of w, through tx (the outbox).
type Mailer interface {
	Mention(ctx context.Context, tx *db.Tx, w ticket.Write, to int64) error
}

// Service stores notifications and each person's notification settings.
type Service struct {
	db      *db.DB
	q       *db.Queries
	tickets *ticket.Service
	mailer  Mailer
}

// New returns a Service; mailer may be nil (no email).
func New(d *db.DB, tickets *ticket.Service, mailer Mailer) (*Service, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.Dialect)
	if err != nil {
		return nil, err
	}
	return &Service{db: d, q: q, tickets: tickets, mailer: mailer}, nil
}

// Queries exposes the named queries for start-up checks.
func (s *Service) Queries() *db.Queries { return s.q }

// Register hooks the service into every ticket write.
func (s *Service) Register() { s.tickets.OnWrite(s.Hook) }

// Hook is the ticket.TxHook: for an internal note written by an agent, it
// notifies each agent mentioned in it who may see the ticket (never the
// author), and emails those who want it.
func (s *Service) Hook(ctx context.Context, tx *db.Tx, w ticket.Write) error {
	m := w.Message
	if w.Event.Type != event.MessageCreated || m == nil || !m.Internal || w.Ticket == nil ||
		!w.Actor.IsPerson() || !w.Actor.IsAgent() {
		return nil
	}
	handles := Mentions(m.Body)
	if len(handles) == 0 {
		return nil
	}
	agents, err := s.mentionable(ctx, tx)
	if err != nil {
		return err
	}
	now := db.Now()
	for _, a := range resolve(handles, agents) {
		if a.ID == m.Author.ID || a.ID == w.Actor.ID {
			continue
		}
		visible, err := s.tickets.VisibleTo(ctx, tx, &user.Actor{ID: a.ID, Email: a.Email, Role: user.Role(a.Role)}, w.Ticket.Number)
		if err != nil {
			return fmt.Errorf("notify: mention of user %d: %w", a.ID, err)
		}
		if !visible {
			continue // a restricted team's ticket: the mention tells them nothing
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("insert-notification"), a.ID, KindMention, w.Ticket.ID, m.ID,
			w.Actor.PersonID(), now); err != nil {
			return fmt.Errorf("notify: mention of user %d: %w", a.ID, err)
		}
		email, err := s.mentionEmail(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		if email && s.mailer != nil {
			if err := s.mailer.Mention(ctx, tx, w, a.ID); err != nil {
				return fmt.Errorf("notify: email the mention to user %d: %w", a.ID, err)
			}
		}
	}
	return nil
}

// Notify tells agent to of something about a message of ticketID that
// Docket itself noticed (an SLA breach: kind sla_breach_<target>), in tx.
// Someone who may not see the ticket, or is no longer an active agent, is
// not told; the same person, message and kind is told once.
func (s *Service) Notify(ctx context.Context, tx *db.Tx, to int64, kind string, ticketID, messageID int64) error {
	var a agent
	var active bool
	err := tx.QueryRowContext(ctx, s.q.Get("notified-user"), to).Scan(&a.ID, &a.Email, &a.Role, &active)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("notify: user %d: %w", to, err)
	}
	actor := &user.Actor{ID: a.ID, Email: a.Email, Role: user.Role(a.Role)}
	if !active || !actor.IsAgent() {
		return nil
	}
	var number int64
	if err := tx.QueryRowContext(ctx, s.q.Get("ticket-number"), ticketID).Scan(&number); err != nil {
		return fmt.Errorf("notify: ticket %d: %w", ticketID, err)
	}
	if visible, err := s.tickets.VisibleTo(ctx, tx, actor, number); err != nil || !visible {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.q.Get("insert-notification"), to, kind, ticketID, messageID, nil, db.Now()); err != nil {
		return fmt.Errorf("notify: %s to user %d: %w", kind, to, err)
	}
	return nil
}

func (s *Service) mentionable(ctx context.Context, q db.Queryer) ([]agent, error) {
	rows, err := q.QueryContext(ctx, s.q.Get("mentionable"))
	if err != nil {
		return nil, fmt.Errorf("notify: agents: %w", err)
	}
	return db.Collect(rows, func(r db.Scanner) (agent, error) {
		var a agent
		err := r.Scan(&a.ID, &a.Email, &a.Role)
		return a, err
	})
}

func (s *Service) mentionEmail(ctx context.Context, q db.Queryer, userID int64) (bool, error) {
	var on bool
	err := q.QueryRowContext(ctx, s.q.Get("get-mention-email"), userID).Scan(&on)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("notify: settings of user %d: %w", userID, err)
	}
	return on, nil
}

// Notification is one thing an agent was told.
type Notification struct {
	ID         int64
	Kind       string
	At         time.Time
	Read       bool
	Number     int64 // the ticket the message is on now (after a merge, the survivor)
	Reference  string
	Subject    string
	MessageUID string
	Actor      string // who caused it: a name, else an email
}

// Lead is what the notification says before the ticket's reference:
// "Ann mentioned you on", "SLA first response breached on".
func (n *Notification) Lead() string {
	if target, ok := strings.CutPrefix(n.Kind, "sla_breach_"); ok {
		return "SLA " + strings.ReplaceAll(target, "_", " ") + " breached on"
	}
	return n.Actor + " mentioned you on"
}

// List returns a's notifications, newest first, before id before (0: from
// the newest).
func (s *Service) List(ctx context.Context, a *user.Actor, before int64, limit int) ([]*Notification, error) {
	if before <= 0 {
		before = 1 << 62
	}
	rows, err := s.db.R.QueryContext(ctx, s.q.Get("list-notifications"), a.ID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("notify: list: %w", err)
	}
	return db.Collect(rows, func(r db.Scanner) (*Notification, error) {
		var n Notification
		var at int64
		var typ, email string
		if err := r.Scan(&n.ID, &n.Kind, &at, &n.Read, &n.Number, &typ, &n.Subject, &n.MessageUID, &n.Actor, &email); err != nil {
			return nil, err
		}
		n.At = db.Time(at)
		n.Reference = s.tickets.Reference(ticket.Type(typ), n.Number)
		if n.Actor == "" {
			n.Actor = email
		}
		return &n, nil
	})
}

// Unread counts a's unread notifications.
func (s *Service) Unread(ctx context.Context, a *user.Actor) (int, error) {
	var n int
	if err := s.db.R.QueryRowContext(ctx, s.q.Get("count-unread"), a.ID).Scan(&n); err != nil {
		return 0, fmt.Errorf("notify: unread: %w", err)
	}
	return n, nil
}

// MarkRead marks one of a's notifications read; someone else's is not
// found.
func (s *Service) MarkRead(ctx context.Context, a *user.Actor, id int64) error {
	if _, err := s.db.W.ExecContext(ctx, s.q.Get("mark-read"), id, a.ID, db.Now()); err != nil {
		return fmt.Errorf("notify: mark %d read: %w", id, err)
	}
	return nil
}

// MarkAllRead marks all of a's notifications read.
func (s *Service) MarkAllRead(ctx context.Context, a *user.Actor) error {
	if _, err := s.db.W.ExecContext(ctx, s.q.Get("mark-all-read"), a.ID, db.Now()); err != nil {
		return fmt.Errorf("notify: mark all read: %w", err)
	}
	return nil
}

// MentionEmail reports whether a wants a mention emailed too.
func (s *Service) MentionEmail(ctx context.Context, a *user.Actor) (bool, error) {
	return s.mentionEmail(ctx, s.db.R, a.ID)
}

// SetMentionEmail records whether a wants a mention emailed too.
func (s *Service) SetMentionEmail(ctx context.Context, a *user.Actor, on bool) error {
	if !a.IsPerson() || !a.IsAgent() {
		return fault.Forbidden("only agents are mentioned")
	}
	if _, err := s.db.W.ExecContext(ctx, s.q.Get("set-mention-email"), a.ID, on, db.Now()); err != nil {
		return fmt.Errorf("notify: settings: %w", err)
	}
	return nil
}

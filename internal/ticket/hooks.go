package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// Write is what a transaction hook learns about a ticket write.
type Write struct {
	Event   event.Event
	Actor   *user.Actor
	Ticket  *Ticket  // as written
	Message *Message // the new message, for ticket.created and message.created
	Fields  []FieldChange
	// Prepared: the WriteHooks saw this write before its ticket row was
	// written (a reply's, an update's). The importer's replayed replies
	// are not prepared: their rows are written in their final state first.
	Prepared bool
}

// FieldChange is one field's old and new value, as history records it.
type FieldChange struct {
	Field, Old, New string
}

// TxHook runs inside the transaction of a ticket write, after the write and
// before the commit: what it writes (an outbox row, say) commits or rolls
// back together with the change. An error aborts the whole write.
type TxHook func(ctx context.Context, tx *db.Tx, c Write) error

// Draft is a ticket Create is about to write, for its CreateHooks: Ticket
// is as the row will be (no ID or number yet; CreatedAt, status,
// priority, type, refs, channel and custom fields set). A hook may set
// DueAt and WarnAt, which the ticket's INSERT stores, and add a TxHook with
// After, run once the ticket and its first message exist, before the
// OnWrite hooks.
type Draft struct {
	Ticket        *Ticket
	DueAt, WarnAt *time.Time
	after         []TxHook
}

// After adds h, run with the created ticket in the same transaction.
func (d *Draft) After(h TxHook) { d.after = append(d.after, h) }

// CreateHook runs inside a create's transaction before the ticket row is
// written. An error aborts the create.
type CreateHook func(ctx context.Context, tx *db.Tx, d *Draft) error

// BeforeCreate registers a hook for creates. Register hooks before serving.
func (s *Service) BeforeCreate(h CreateHook) { s.before = append(s.before, h) }

// draft runs the create hooks on t.
func (s *Service) draft(ctx context.Context, tx *db.Tx, t *Ticket) (*Draft, error) {
	d := &Draft{Ticket: t}
	for _, h := range s.before {
		if err := h(ctx, tx, d); err != nil {
			return nil, fmt.Errorf("hook before create: %w", err)
		}
	}
	return d, nil
}

// Pending is a reply or update about to write its ticket row, for its
// WriteHooks: Write is as the OnWrite hooks will see it, except that
// Ticket is as the row will be (its version and updated_at as read). A
// hook may set the row's due and warning times with SetDue, which the
// ticket's UPDATE stores (moving neither the version nor the ETag), and
// add a TxHook with After, run once the ticket is written, before the
// OnWrite hooks.
type Pending struct {
	Write
	due, warn *time.Time
	setDue    bool
	after     []TxHook
}

// SetDue has the ticket's UPDATE store due and warn as its due_at and
// warn_at (nil clears them).
func (p *Pending) SetDue(due, warn *time.Time) { p.due, p.warn, p.setDue = due, warn, true }

// After adds h, run with the written ticket in the same transaction.
func (p *Pending) After(h TxHook) { p.after = append(p.after, h) }

// WriteHook runs inside a reply's or update's transaction before the
// ticket row is written. An error aborts the write.
type WriteHook func(ctx context.Context, tx *db.Tx, p *Pending) error

// BeforeWrite registers a hook for replies and updates. Register hooks
// before serving.
func (s *Service) BeforeWrite(h WriteHook) { s.writes = append(s.writes, h) }

// pending runs the write hooks on w, which is marked Prepared.
func (s *Service) pending(ctx context.Context, tx *db.Tx, w Write) (*Pending, error) {
	w.Prepared = true
	p := &Pending{Write: w}
	for _, h := range s.writes {
		if err := h(ctx, tx, p); err != nil {
			return nil, fmt.Errorf("hook before %s: %w", w.Event.Type, err)
		}
	}
	return p, nil
}

// OnWrite registers a hook for ticket.created, message.created and
// ticket.updated writes. Register hooks before serving.
func (s *Service) OnWrite(h TxHook) { s.hooks = append(s.hooks, h) }

func (s *Service) runHooks(ctx context.Context, tx *db.Tx, c Write, first ...TxHook) error {
	for _, h := range append(first, s.hooks...) {
		if err := h(ctx, tx, c); err != nil {
			return fmt.Errorf("hook for %s: %w", c.Event.Type, err)
		}
	}
	return nil
}

// messageTx reads a message inside a transaction, with its attachments.
func (s *Service) messageTx(ctx context.Context, tx *db.Tx, id, number int64) (*Message, error) {
	m, err := s.scanMessage(tx.QueryRowContext(ctx, s.q.Get("select-message"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("message %d: %w", id, fault.ErrNotFound)
	} else if err != nil {
		return nil, err
	}
	m.TicketNumber = number
	rows, err := tx.QueryContext(ctx, s.q.Get("attachments-of-message"), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a AttachmentRef
		var mid int64
		if err := rows.Scan(&a.ID, &a.Filename, &a.ContentType, &a.Size, &mid); err != nil {
			return nil, err
		}
		m.Attachments = append(m.Attachments, a)
	}
	return m, rows.Err()
}

func fieldChanges(cs []change) []FieldChange {
	out := make([]FieldChange, len(cs))
	for i, c := range cs {
		out[i] = FieldChange{c.field, c.old, c.new}
	}
	return out
}

// ByIDTx reads ticket id inside tx, without a visibility check: for
// Docket's own actors (the SLA timers), which act on every ticket.
func (s *Service) ByIDTx(ctx context.Context, tx *db.Tx, id int64) (*Ticket, error) {
	t, err := s.byID(ctx, tx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("ticket id %d: %w", id, fault.ErrNotFound)
	}
	return t, err
}

// AppendHistory records one history entry on ticket id in tx, for a
// writer beside the ticket (the SLA clocks) whose change the history must
// explain. It moves neither the ticket's version nor its updated_at.
func (s *Service) AppendHistory(ctx context.Context, tx *db.Tx, ticketID int64, a *user.Actor, field, old, new string) error {
	return s.appendEvents(ctx, tx, ticketID, a, db.Now(), []change{{field, old, new}})
}

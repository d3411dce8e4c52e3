// Package draft keeps agents' unsent replies and internal notes, one per
// agent and ticket, so that a half-written message survives a property
// save, a collision, an ended session or a change of browser. A draft is
// its agent's alone: nobody else reads it, admins included, and it is only
// given out while its agent may still see the ticket.
package draft

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/secret"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

//go:embed queries.sql
var queryFiles embed.FS

// Kind says what the draft becomes when it is sent.
type Kind string

// The kinds of draft.
const (
	Reply Kind = "reply" // a public reply
	Note  Kind = "note"  // an internal note
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == Reply || k == Note }

// Draft is an agent's unsent message on a ticket.
type Draft struct {
	Ticket    int64 // the ticket's number
	Kind      Kind
	Body      string
	UpdatedAt time.Time
}

// Service stores drafts.
type Service struct {
	db      *db.DB
	q       *db.Queries
	tickets *ticket.Service
	users   *user.Service
	box     *secret.Box
	now     func() time.Time
}

// New returns a Service. The box seals the tokens that keep a draft when
// the session that wrote it has ended (see Token).
func New(d *db.DB, tickets *ticket.Service, users *user.Service, box *secret.Box) (*Service, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.Dialect)
	if err != nil {
		return nil, err
	}
	return &Service{db: d, q: q, tickets: tickets, users: users, box: box, now: time.Now}, nil
}

// Queries exposes the named queries for start-up checks.
func (s *Service) Queries() *db.Queries { return s.q }

// ticketOf checks that a is an agent who may see ticket number, and
// returns the ticket.
func (s *Service) ticketOf(ctx context.Context, a *user.Actor, number int64) (*ticket.Ticket, error) {
	if !a.IsAgent() || !a.IsPerson() {
		return nil, fault.Forbidden("only agents keep drafts")
	}
	return s.tickets.Get(ctx, a, number)
}

// Get returns a's draft of ticket number; fault.ErrNotFound when there is
// none, or when a may not see the ticket.
func (s *Service) Get(ctx context.Context, a *user.Actor, number int64) (*Draft, error) {
	t, err := s.ticketOf(ctx, a, number)
	if err != nil {
		return nil, err
	}
	d := Draft{Ticket: number}
	var at int64
	err = s.db.R.QueryRowContext(ctx, s.q.Get("select-draft"), a.ID, t.ID).Scan(&d.Kind, &d.Body, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fault.NotFound("you have no draft for ticket %d", number)
	} else if err != nil {
		return nil, fmt.Errorf("draft: get %d: %w", number, err)
	}
	d.UpdatedAt = db.Time(at)
	return &d, nil
}

// check validates a draft's kind and body.
func check(kind Kind, body string) error {
	inv := &fault.Invalid{}
	if !kind.Valid() {
		inv.Add("kind", "must be reply or note")
	}
	switch {
	case strings.TrimSpace(body) == "":
		inv.Add("body", "is required (delete the draft to discard it)")
	case len(body) > ticket.MaxBody:
		inv.Add("body", "must be at most %d bytes", ticket.MaxBody)
	case !utf8.ValidString(body) || strings.ContainsRune(body, 0):
		inv.Add("body", "must be valid UTF-8 text without NUL characters")
	}
	return inv.Err()
}

// Save stores a's draft of ticket number, replacing the one before.
func (s *Service) Save(ctx context.Context, a *user.Actor, number int64, kind Kind, body string) (*Draft, error) {
	if kind == "" {
		kind = Reply
	}
	if err := check(kind, body); err != nil {
		return nil, fmt.Errorf("draft: save %d: %w", number, err)
	}
	t, err := s.ticketOf(ctx, a, number)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if _, err := s.db.W.ExecContext(ctx, s.q.Get("upsert-draft"), a.ID, t.ID, string(kind), body, now.UnixMicro()); err != nil {
		return nil, fmt.Errorf("draft: save %d: %w", number, err)
	}
	return &Draft{Ticket: number, Kind: kind, Body: body, UpdatedAt: db.Time(now.UnixMicro())}, nil
}

// Delete discards a's draft of ticket number, if there is one.
func (s *Service) Delete(ctx context.Context, a *user.Actor, number int64) error {
	t, err := s.ticketOf(ctx, a, number)
	if err != nil {
		return err
	}
	if _, err := s.db.W.ExecContext(ctx, s.q.Get("delete-draft"), a.ID, t.ID); err != nil {
		return fmt.Errorf("draft: delete %d: %w", number, err)
	}
	return nil
}

// DeleteTx discards user's draft of ticket number inside tx: the
// transaction that sends the message (ticket.NewReply.InTx), so the draft
// goes exactly when its message is stored.
func (s *Service) DeleteTx(ctx context.Context, tx *db.Tx, userID, number int64) error {
	if _, err := tx.ExecContext(ctx, s.q.Get("delete-draft-by-number"), userID, number); err != nil {
		return fmt.Errorf("draft: delete %d: %w", number, err)
	}
	return nil
}

// Prune deletes the drafts nobody changed since before, and returns how
// many.
func (s *Service) Prune(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.db.W.ExecContext(ctx, s.q.Get("prune-drafts"), before.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("draft: prune: %w", err)
	}
	return res.RowsAffected()
}

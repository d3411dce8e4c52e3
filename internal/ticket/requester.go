package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// ByUID returns the ticket with the unguessable id sent to requesters, if
// a may see it; otherwise ErrNotFound.
func (s *Service) ByUID(ctx context.Context, a *user.Actor, uid string) (*Ticket, error) {
	var number int64
	err := s.db.R.QueryRowContext(ctx, s.q.Get("ticket-number-by-uid"), uid).Scan(&number)
	if errors.Is(err, sql.ErrNoRows) || len(uid) > 64 {
		return nil, fmt.Errorf("ticket %q: %w", uid, fault.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("ticket %q: %w", uid, err)
	}
	return s.Get(ctx, a, number)
}

// GetByID returns the ticket with internal id, if a may see it.
func (s *Service) GetByID(ctx context.Context, a *user.Actor, id int64) (*Ticket, error) {
	t, err := s.byID(ctx, s.db.R, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("ticket id %d: %w", id, fault.ErrNotFound)
	} else if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, t.Number)
}

// Reopenable reports whether the ticket's requester may still reopen it
// at now: it is resolved, and was resolved less than window ago. A
// ticket past that, or closed, continues in a follow-up ticket instead.
func (t *Ticket) Reopenable(window time.Duration, now time.Time) bool {
	return t.Status == StatusResolved && t.ResolvedAt != nil && now.Sub(*t.ResolvedAt) < window
}

// MarkResolved is the requester's "my problem is solved": it resolves
// ticket number (resolution fixed) for a requester who may see it. Agents
// resolve through Update, with a resolution of their choice.
func (s *Service) MarkResolved(ctx context.Context, a *user.Actor, number int64) (*Ticket, error) {
	if a.IsAgent() || !a.IsPerson() {
		return nil, fmt.Errorf("ticket: mark %d resolved: %w", number, fault.Forbidden("agents resolve with a resolution of their choice"))
	}
	t, err := s.get(ctx, s.db.R, a, number)
	if err != nil {
		return nil, err
	}
	if !t.Status.Active() {
		return nil, fmt.Errorf("ticket: mark %d resolved: %w", number, fault.Conflict("ticket %s is %s already", t.Reference, t.Status))
	}
	st, res := StatusResolved, ResolutionFixed
	for attempt := 0; ; attempt++ {
		t, _, err = s.update(ctx, a, number, Patch{Status: &st, Resolution: &res}, 0)
		if (errors.Is(err, errRetry) || db.IsRetryable(err)) && attempt < 10 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("ticket: mark %d resolved: %w", number, err)
		}
		return t, nil
	}
}

// Reopen continues a requester's resolved or closed ticket with their
// message in.Body: a ticket resolved less than window ago is reopened by
// it (as any reply of theirs does); one resolved longer ago, or closed,
// stays as it is, and a follow-up ticket linked to it is opened with the
// message instead. It returns the ticket the conversation continues on.
func (s *Service) Reopen(ctx context.Context, a *user.Actor, number int64, in NewReply, window time.Duration) (*Ticket, error) {
	if a.IsAgent() || !a.IsPerson() {
		return nil, fmt.Errorf("ticket: reopen %d: %w", number, fault.Forbidden("agents change the status instead"))
	}
	t, err := s.get(ctx, s.db.R, a, number)
	if err != nil {
		return nil, err
	}
	switch {
	case t.MergedInto != 0:
		return nil, fmt.Errorf("ticket: reopen %d: %w", number, fault.Conflict("ticket %s was merged into #%d", t.Reference, t.MergedInto))
	case t.Status.Active():
		return nil, fmt.Errorf("ticket: reopen %d: %w", number, fault.Conflict("ticket %s is open; reply to it instead", t.Reference))
	case t.Reopenable(window, time.Now()):
		if _, err := s.Reply(ctx, a, number, in); err != nil {
			return nil, err
		}
		return s.Get(ctx, a, number)
	}
	inv := &fault.Invalid{}
	if in.Format == "" {
		in.Format = FormatMarkdown
	}
	checkBody(inv, in.Body, in.Format)
	if err := inv.Err(); err != nil {
		return nil, fmt.Errorf("ticket: follow-up of %d: %w", number, err)
	}
	if in.Channel == "" {
		in.Channel = ChannelPortal
	}
	return s.followUp(ctx, a, t, in)
}

package notify

import (
	"context"
	"fmt"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/ticket"
)

// deliver tells c.to about event r as their preferences for the kind say:
// shown in the app or not, and emailed now, in the daily digest, or
// never. Someone no longer an active agent, or who may not see the
// ticket, is not told. It reports whether the person's bell changed.
func (s *Service) deliver(ctx context.Context, tx *db.Tx, r event.Record, w ticket.Write, c candidate, p payload) (bool, error) {
	to, active, err := s.user(ctx, tx, c.to)
	if err != nil || to == nil || !active || !to.IsAgent() {
		return false, err
	}
	if visible, err := s.Tickets.VisibleTo(ctx, tx, to, w.Ticket.Number); err != nil || !visible {
		return false, err
	}
	kind, _ := SplitKind(c.kind)
	prefs, err := s.preferences(ctx, tx, to.ID)
	if err != nil {
		return false, err
	}
	pref := prefs[kind]
	now := db.Now()
	var emailedAt any
	if pref.Email == EmailImmediately {
		emailedAt = now
	}
	if !pref.InApp && pref.Email == EmailNever {
		return false, nil
	}
	// A row for every notification told, shown in the app or not: the
	// digest reads it, and the unique (person, event) makes telling twice
	// impossible even if the stream were read again.
	var messageID any
	if w.Message != nil {
		messageID = w.Message.ID
	}
	var actorID any
	if id := w.Actor.PersonID(); id != 0 {
		actorID = id
	}
	res, err := tx.ExecContext(ctx, s.q.Get("insert-notification"), to.ID, c.kind, w.Ticket.ID, messageID, actorID, r.ID,
		now, pref.InApp, pref.Email == EmailDigest, emailedAt)
	if err != nil {
		return false, fmt.Errorf("store %s: %w", c.kind, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil // told already
	}
	if pref.Email == EmailImmediately && s.Mailer != nil {
		n := Notice{Kind: kind, Write: w, To: to.ID, SLAPolicy: p.Policy}
		if p.Target != "" {
			n.SLATarget = TargetLabel(p.Target)
		}
		if err := s.Mailer.Notification(ctx, tx, n); err != nil {
			return false, fmt.Errorf("email %s: %w", c.kind, err)
		}
	}
	return pref.InApp, nil
}

// TargetLabel names an SLA target for people: "first response".
func TargetLabel(target string) string {
	return strings.ReplaceAll(target, "_", " ")
}

package mail

import (
	"context"
	"fmt"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// Held is a quarantined message waiting for an agent's decision.
type Held struct {
	ID         int64
	MailboxID  int64
	MessageID  string
	Sender     string
	Subject    string
	Reason     string
	ReceivedAt time.Time
}

// Quarantined lists the held messages, newest first (at most 200): the
// quarantined part of the inbound list, for agents.
func (im *Importer) Quarantined(ctx context.Context, a *user.Actor) ([]*Held, error) {
	if err := agentsOnly(a, "review quarantined mail"); err != nil {
		return nil, err
	}
	rows, err := im.db.R.QueryContext(ctx, im.q.Get("list-inbound-state"), int64(1<<63-1), 200, StateQuarantined)
	if err != nil {
		return nil, err
	}
	ms, err := db.Collect(rows, scanInbound)
	if err != nil {
		return nil, err
	}
	out := make([]*Held, len(ms))
	for i, m := range ms {
		out[i] = &Held{ID: m.ID, MailboxID: m.MailboxID, MessageID: m.MessageID, Sender: m.Sender, Subject: m.Subject,
			Reason: m.Reason, ReceivedAt: m.ReceivedAt}
	}
	return out, nil
}

// Release files a quarantined message as if it had passed the check: agent
// a decided it is genuine. Threading and loop rules still apply. A message
// that is not (or no longer) quarantined is not found.
func (im *Importer) Release(ctx context.Context, a *user.Actor, id int64) (*Result, error) {
	if err := agentsOnly(a, "release quarantined mail"); err != nil {
		return nil, err
	}
	m, err := im.InboundMessage(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if m.State != StateQuarantined {
		return nil, fmt.Errorf("quarantined message %d (it is %s): %w", id, m.State, fault.ErrNotFound)
	}
	w, err := im.reread(ctx, m)
	if err != nil {
		return nil, err
	}
	// The message is imported afresh without the DMARC check; its record
	// turns into the import record inside the same transaction, so a
	// failure leaves it held, never lost.
	prefix := "released by " + actorName(a) + "; "
	d := &decided{id: id, by: a, event: EventInboundReleased, prefix: prefix}
	r, err := im.importMessage(context.WithValue(ctx, releaseKey{}, d), w.mb, w.raw, true)
	if err != nil {
		return nil, err
	}
	if r.Duplicate {
		return nil, fault.Conflict("message %d was filed already", id)
	}
	r.Decision = prefix + r.Decision
	return r, nil
}

package mail

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/mailbox"
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
	hash       string
}

func scanHeld(row db.Scanner) (*Held, error) {
	var h Held
	var at int64
	if err := row.Scan(&h.ID, &h.MailboxID, &h.MessageID, &h.hash, &h.Sender, &h.Subject, &h.Reason, &at); err != nil {
		return nil, err
	}
	h.ReceivedAt = db.Time(at)
	return &h, nil
}

// Quarantined lists the held messages, newest first.
func (im *Importer) Quarantined(ctx context.Context) ([]*Held, error) {
	rows, err := im.db.R.QueryContext(ctx, im.q.Get("list-quarantine"))
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, scanHeld)
}

// Release files a quarantined message as if it had passed the check: an
// agent decided it is genuine. Threading and loop rules still apply.
func (im *Importer) Release(ctx context.Context, id int64) (*Result, error) {
	h, err := scanHeld(im.db.R.QueryRowContext(ctx, im.q.Get("select-quarantined"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("quarantined message %d: %w", id, fault.ErrNotFound)
	} else if err != nil {
		return nil, err
	}
	var raw []byte
	if err := im.db.R.QueryRowContext(ctx, im.q.Get("inbound-raw"), id).Scan(&raw); err != nil || len(raw) == 0 {
		return nil, fmt.Errorf("quarantined message %d: raw message missing: %v", id, err)
	}
	var mb *mailbox.Mailbox
	if h.MailboxID != 0 {
		if mb, err = im.mailboxes.Get(ctx, h.MailboxID); err != nil && !errors.Is(err, fault.ErrNotFound) {
			return nil, err
		}
	}
	// The message is imported afresh without the DMARC check; its
	// quarantine record turns into the import record inside the same
	// transaction, so a failure leaves it held, never lost.
	r, err := im.importMessage(context.WithValue(ctx, releaseKey{}, id), mb, raw, true)
	if err != nil {
		return nil, err
	}
	if r.Duplicate {
		return nil, fault.Conflict("message %d was filed already", id)
	}
	r.Decision = "released by an agent; " + r.Decision
	return r, nil
}

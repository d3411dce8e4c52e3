package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/notify"
	"github.com/docket/docket/internal/ticket"
)

// Outgoing connects the outbox to the configured mailboxes: a ticket's
// notifications are sent as the mailbox it came in through, through that
// mailbox's server, or else as the first active mailbox with outbound SMTP
// settings. With no such mailbox, nothing is queued.
//
// Mailboxes are read when they are needed and never cached — in the ticket
// write's transaction to queue its email, and again at each attempt to send
// it — so a mailbox saved a moment ago is used at once, by every instance.
type Outgoing struct {
	store     *outbox.Store
	mailboxes *mailbox.Service
	q         *db.Queries
	baseURL   string
	log       *slog.Logger
	ratings   outbox.RatingLinks
}

// SetRatings gives resolution notices their satisfaction rating links.
func (o *Outgoing) SetRatings(r outbox.RatingLinks) { o.ratings = r }

// NewOutgoing returns an Outgoing over store.
func NewOutgoing(im *Importer, store *outbox.Store, mailboxes *mailbox.Service, baseURL string, log *slog.Logger) *Outgoing {
	return &Outgoing{store: store, mailboxes: mailboxes, q: im.q, baseURL: baseURL, log: log}
}

// sends reports whether a mailbox can send: it is active and has an
// outbound server.
func sends(mb *mailbox.Mailbox) bool { return mb.Active && mb.SMTP.Host != "" }

// Hook queues the notifications of a ticket write inside its transaction.
// It reads the mailboxes through tx: taking a second connection there could
// wait forever for a pool that the writers themselves exhaust.
func (o *Outgoing) Hook(ctx context.Context, tx *db.Tx, w ticket.Write) error {
	if w.Ticket == nil {
		return nil
	}
	n, err := o.notifier(ctx, tx, w)
	if n == nil || err != nil {
		return err
	}
	return n.Hook(ctx, tx, w)
}

// noticeKinds are the templates of the notification kinds.
var noticeKinds = map[string]string{
	notify.KindMention:    outbox.KindMention,
	notify.KindAssigned:   outbox.KindAssignment,
	notify.KindTeam:       outbox.KindTeamTicket,
	notify.KindReply:      outbox.KindRequesterNotice,
	notify.KindSLAWarning: outbox.KindSLAWarning,
	notify.KindSLABreach:  outbox.KindSLABreach,
}

// Notification queues the email of one notification (notify.Mailer), sent
// as Hook sends; nothing when no mailbox sends.
func (o *Outgoing) Notification(ctx context.Context, tx *db.Tx, n notify.Notice) error {
	kind, ok := noticeKinds[n.Kind]
	if !ok {
		return fmt.Errorf("mail: no email for notification kind %q", n.Kind)
	}
	nf, err := o.notifier(ctx, tx, n.Write)
	if nf == nil || err != nil {
		return err
	}
	w := n.Write
	var set func(*outbox.TemplateData)
	if !w.Actor.IsPerson() {
		// Docket's own actor (a rule, the SLA) is named, never a person.
		name := w.Actor.Name
		w.Actor = nil
		set = func(d *outbox.TemplateData) {
			d.Actor = outbox.Address{Name: name}
			d.SLA = outbox.SLAData{Target: n.SLATarget, Policy: n.SLAPolicy}
		}
	} else if n.SLATarget != "" {
		set = func(d *outbox.TemplateData) { d.SLA = outbox.SLAData{Target: n.SLATarget, Policy: n.SLAPolicy} }
	}
	return nf.Agent(ctx, tx, kind, w, n.To, set)
}

// notifier is the outbox's Notifier for a write to w's ticket, sending as
// the mailbox the ticket came in through or else the first that sends;
// nil when no mailbox can send.
func (o *Outgoing) notifier(ctx context.Context, tx *db.Tx, w ticket.Write) (*outbox.Notifier, error) {
	mbs, err := o.mailboxes.ListKept(ctx, tx) // once a transaction, an import's included
	if err != nil {
		return nil, fmt.Errorf("mail: list mailboxes: %w", err)
	}
	var mb *mailbox.Mailbox
	own := make([]string, 0, len(mbs))
	for _, m := range mbs {
		own = append(own, m.Address)
		if mb == nil && sends(m) {
			mb = m
		}
	}
	if mb == nil {
		return nil, nil
	}
	var mailboxID int64
	if err := tx.QueryRowContext(ctx, o.q.Get("ticket-mailbox"), w.Ticket.ID).Scan(&mailboxID); err != nil {
		return nil, err
	}
	for _, m := range mbs {
		if m.ID == mailboxID && sends(m) {
			mb = m // answer as the mailbox the ticket came in through
		}
	}
	return outbox.NewNotifier(o.store, outbox.Config{FromAddress: mb.Address, FromName: mb.Name, BaseURL: o.baseURL,
		OwnAddresses: own, Ratings: o.ratings}, o.log)
}

// errNoSender means no mailbox can send email now.
var errNoSender = errors.New("mail: no active mailbox with outbound SMTP settings")

// SMTP picks the server an email sent as from goes through, reading the
// mailboxes now: the server of the active mailbox with that address, or
// else of the first active mailbox with outbound settings (the mailbox the
// email was written for was changed or removed since).
func (o *Outgoing) SMTP(ctx context.Context, from string) (outbox.SMTP, error) {
	mbs, err := o.mailboxes.List(ctx)
	if err != nil {
		return outbox.SMTP{}, fmt.Errorf("mail: list mailboxes: %w", err)
	}
	var pick *mailbox.Mailbox
	for _, m := range mbs {
		if !sends(m) {
			continue
		}
		if strings.EqualFold(m.Address, from) {
			pick = m
			break
		}
		if pick == nil {
			pick = m
		}
	}
	if pick == nil {
		return outbox.SMTP{}, errNoSender
	}
	full, err := o.mailboxes.Credentials(ctx, pick.ID)
	if err != nil {
		return outbox.SMTP{}, fmt.Errorf("mail: mailbox %s: %w", pick.Address, err)
	}
	s := full.SMTP
	return outbox.SMTP{Host: s.Host, Port: s.Port, TLS: s.TLS, Username: s.Username, Password: s.Password,
		TLSConfig: full.TLSConfig(s.Host)}, nil
}

// Notice queues the email a rule sends about ticket t to user to, in tx,
// as Hook sends; nothing when no mailbox can send.
func (o *Outgoing) Notice(ctx context.Context, tx *db.Tx, t *ticket.Ticket, to int64, subject, text string) error {
	n, err := o.notifier(ctx, tx, ticket.Write{Ticket: t})
	if n == nil || err != nil {
		return err
	}
	return n.Notice(ctx, tx, t, to, subject, text)
}

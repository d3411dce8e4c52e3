package mail

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/ticket"
)

// Outgoing connects the outbox to the configured mailboxes: a ticket's
// notifications are sent as the mailbox it came in through, through that
// mailbox's server, or else as the first active mailbox with outbound SMTP
// settings. With no such mailbox, nothing is queued. Mailbox changes take
// effect within cacheFor, without a restart.
type Outgoing struct {
	store     *outbox.Store
	mailboxes *mailbox.Service
	reader    db.Queryer // for reads outside transactions
	q         *db.Queries
	baseURL   string
	log       *slog.Logger
	wake      chan struct{}

	mu        sync.Mutex
	checked   time.Time
	primary   *mailbox.Mailbox           // with credentials
	sending   map[int64]*mailbox.Mailbox // every active mailbox with SMTP settings
	own       []string
	notifiers map[string]*outbox.Notifier // by config, built once
}

const cacheFor = 10 * time.Second

// NewOutgoing returns an Outgoing over store.
func NewOutgoing(d *db.DB, im *Importer, store *outbox.Store, mailboxes *mailbox.Service, baseURL string, log *slog.Logger) *Outgoing {
	return &Outgoing{store: store, mailboxes: mailboxes, reader: d.R, q: im.q, baseURL: baseURL, log: log, wake: make(chan struct{}, 1),
		notifiers: map[string]*outbox.Notifier{}}
}

// current returns the sending mailbox (nil when none) and our addresses,
// reading them through q when the cache is stale. Inside a ticket write q
// is its transaction: taking a second connection there could wait forever
// for a pool that the writers themselves exhaust.
func (o *Outgoing) current(ctx context.Context, q db.Queryer) (*mailbox.Mailbox, []string) {
	o.mu.Lock()
	if time.Since(o.checked) < cacheFor {
		defer o.mu.Unlock()
		return o.primary, o.own
	}
	o.mu.Unlock()
	mbs, err := o.mailboxes.ListWith(ctx, q)
	if err != nil {
		o.log.Error("list mailboxes", "err", err)
		o.mu.Lock()
		defer o.mu.Unlock()
		return o.primary, o.own
	}
	var primary *mailbox.Mailbox
	sending := map[int64]*mailbox.Mailbox{}
	var own []string
	for _, mb := range mbs {
		own = append(own, mb.Address)
		if mb.Active && mb.SMTP.Host != "" {
			full, err := o.mailboxes.CredentialsWith(ctx, q, mb.ID)
			if err != nil {
				o.log.Error("mailbox credentials", "mailbox", mb.Address, "err", err)
				continue
			}
			sending[mb.ID] = full
			if primary == nil {
				primary = full
			}
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.checked, o.primary, o.sending, o.own = time.Now(), primary, sending, own
	return primary, own
}

// smtpFor is the server of the sending mailbox with this address.
func (o *Outgoing) smtpFor(from string) (outbox.SMTP, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, mb := range o.sending {
		if strings.EqualFold(mb.Address, from) {
			return outbox.SMTP{Host: mb.SMTP.Host, Port: mb.SMTP.Port, TLS: mb.SMTP.TLS, Username: mb.SMTP.Username,
				Password: mb.SMTP.Password}, true
		}
	}
	return outbox.SMTP{}, false
}

// Forget drops the cached mailbox settings (after an admin changed them).
func (o *Outgoing) Forget() {
	o.mu.Lock()
	o.checked = time.Time{}
	o.mu.Unlock()
}

// Hook queues the notifications of a ticket write inside its transaction.
func (o *Outgoing) Hook(ctx context.Context, tx *db.Tx, w ticket.Write) error {
	mb, own := o.current(ctx, tx)
	if mb == nil {
		return nil
	}
	var mailboxID int64
	if err := tx.QueryRowContext(ctx, o.q.Get("ticket-mailbox"), w.Ticket.ID).Scan(&mailboxID); err != nil {
		return err
	}
	o.mu.Lock()
	if theirs, ok := o.sending[mailboxID]; ok {
		mb = theirs // answer as the mailbox the ticket came in through
	}
	o.mu.Unlock()
	cfg := outbox.Config{FromAddress: mb.Address, FromName: mb.Name, BaseURL: o.baseURL, OwnAddresses: own}
	key := mb.Address + "\x00" + mb.Name + "\x00" + o.baseURL + "\x00" + strings.Join(own, ",")
	o.mu.Lock()
	n := o.notifiers[key]
	if n == nil {
		var err error
		if n, err = outbox.NewNotifier(o.store, cfg, o.log); err != nil {
			o.mu.Unlock()
			return err
		}
		o.notifiers[key] = n
	}
	o.mu.Unlock()
	if err := n.Hook(ctx, tx, w); err != nil {
		return err
	}
	select {
	case o.wake <- struct{}{}:
	default:
	}
	return nil
}

// Run sends queued mail through the sending mailbox's SMTP server until
// ctx ends: at once after a write queued some, else every few seconds.
func (o *Outgoing) Run(ctx context.Context) {
	for {
		if mb, _ := o.current(ctx, o.reader); mb != nil {
			w, err := outbox.NewWorker(o.store, outbox.WorkerOptions{SMTP: outbox.SMTP{Host: mb.SMTP.Host, Port: mb.SMTP.Port,
				TLS: mb.SMTP.TLS, Username: mb.SMTP.Username, Password: mb.SMTP.Password}, SMTPFor: o.smtpFor, Logger: o.log})
			if err != nil {
				o.log.Error("outbox worker", "mailbox", mb.Address, "err", err)
			} else if _, err := w.Drain(ctx); err != nil && ctx.Err() == nil {
				o.log.Warn("sending mail", "mailbox", mb.Address, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-o.wake:
			time.Sleep(50 * time.Millisecond) // let the writing transaction commit
		case <-time.After(5 * time.Second):
		}
	}
}

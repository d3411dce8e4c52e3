package mail

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"golang.org/x/oauth2"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mailbox"
)

// Fetcher keeps one IMAP connection per IMAP mailbox: it imports new mail,
// then waits with IDLE (or polls), reconnecting with backoff when the
// connection drops. A dead connection is noticed within seconds: at once
// when the server closes it, by TCP keep-alive when the link goes silent,
// and by the IDLE cycle (or a NOOP) every IdleEvery, whose answer must come
// within ReplyTimeout. With several instances on one database, each mailbox
// is fetched only by the instance holding its lease (see watch).
// New messages are filed in batches, one transaction each (see fileBatch).
// Progress is checkpointed by UIDVALIDITY and UID after a batch (or a
// message) is committed; a message is only flagged, moved or deleted on the
// server after that.
type Fetcher struct {
	im        *Importer
	mailboxes *mailbox.Service
	leases    Leaser
	log       *slog.Logger
	// PollEvery is how often the folder is searched for new mail even
	// without a word from the server (a server without IDLE is polled).
	PollEvery time.Duration
	// IdleEvery is how long one IDLE (or, without IDLE, the wait before a
	// NOOP) lasts before the server is asked to answer, which proves the
	// connection alive.
	IdleEvery time.Duration
	// ReplyTimeout is how long the server may stay silent while an answer
	// is expected before the connection counts as dead.
	ReplyTimeout time.Duration
	// MinBackoff is the first wait before reconnecting, again after every
	// session that worked; each failure in a row doubles it up to
	// MaxBackoff. A refused sign-in waits up to LoginBackoff instead: it
	// needs the mailbox changed, which restarts its fetcher at once.
	MinBackoff, MaxBackoff, LoginBackoff time.Duration
	// ResyncEvery is how often the mailbox list is read again in case a
	// mailbox event was missed (see Run).
	ResyncEvery time.Duration
	// TLSConfig overrides the TLS settings (tests use it for their CA).
	TLSConfig *tls.Config
	// GiveUpAfter is how many failed attempts to store one message are
	// made before it is recorded as rejected (raw kept) so the messages
	// after it are not held up forever.
	GiveUpAfter int
	// LeaseTTL is how long a mailbox's lease lasts unrenewed: when the
	// instance fetching a mailbox dies, another takes it over within
	// about LeaseTTL + LeaseRetry.
	LeaseTTL time.Duration
	// LeaseRenew is how often the holder renews its lease, well within
	// LeaseTTL.
	LeaseRenew time.Duration
	// LeaseRetry is how often an instance without the lease tries to take
	// it.
	LeaseRetry time.Duration

	batch    batchLimits
	mu       sync.Mutex
	failures map[[2]int64]int // (mailbox, uid) → failed attempts
}

// NewFetcher returns a Fetcher importing with im, fetching each mailbox
// while it holds that mailbox's lease from leases.
func NewFetcher(im *Importer, mailboxes *mailbox.Service, leases Leaser, log *slog.Logger) *Fetcher {
	return &Fetcher{im: im, mailboxes: mailboxes, leases: leases, log: log, PollEvery: time.Minute,
		IdleEvery: 20 * time.Second, ReplyTimeout: 30 * time.Second, MinBackoff: time.Second, MaxBackoff: 5 * time.Second,
		LoginBackoff: time.Minute, ResyncEvery: 5 * time.Minute, GiveUpAfter: 5, LeaseTTL: 30 * time.Second,
		LeaseRenew: 10 * time.Second, LeaseRetry: 5 * time.Second, failures: map[[2]int64]int{},
		batch: batchLimits{count: batchCount, bytes: batchBytes}}
}

// Session connects once, imports everything new and then keeps waiting
// for more until the connection fails or ctx ends. Sync runs only the
// import part. Neither takes the mailbox's lease: the caller must be the
// only one fetching the mailbox (Run takes care of that).
func (f *Fetcher) Session(ctx context.Context, id int64) error {
	_, err := f.session(ctx, id, true)
	return err
}

// Sync connects, imports what is new, and returns.
func (f *Fetcher) Sync(ctx context.Context, id int64) error {
	_, err := f.session(ctx, id, false)
	return err
}

// session reports whether it was healthy: it imported everything there
// was at least once, or stored some mail, whatever ended it afterwards.
// The mailbox's status says "connected" only after a whole import.
func (f *Fetcher) session(ctx context.Context, id int64, wait bool) (healthy bool, err error) {
	mb, err := f.mailboxes.Credentials(ctx, id)
	if err != nil {
		return false, err
	}
	wake := make(chan struct{}, 1)
	opts := &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case wake <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	c, conn, err := dialIMAP(ctx, mb, f.tlsConfig(mb), opts, f.ReplyTimeout)
	if err != nil {
		return false, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	// Every failure below is the connection's when it died meanwhile.
	died := func(err error) error {
		if cerr := conn.err(); cerr != nil && ctx.Err() == nil && !errors.Is(err, cerr) {
			return fmt.Errorf("%w (%v)", cerr, err)
		}
		return err
	}
	if err := login(ctx, c, mb, f.mailboxes); err != nil {
		err = fmt.Errorf("login as %s: %w", mb.IMAP.Username, died(err))
		if refused(err) && conn.err() == nil {
			err = signInError{err}
		}
		return false, err
	}
	for {
		filed, err := f.importNew(ctx, c, mb)
		if err != nil {
			// A session that stored mail was working, even when it died
			// before acknowledging it: the backoff starts again.
			return healthy || filed > 0, died(err)
		}
		if !healthy {
			healthy = true
			f.setStatus(ctx, id, "connected")
		}
		if !wait {
			_ = c.Logout().Wait()
			return true, nil
		}
		if err := f.waitForMail(ctx, c, conn, wake); err != nil {
			return true, died(err)
		}
	}
}

// signInError is a refused sign-in (or OAuth token): retrying soon is
// pointless until the mailbox changes.
type signInError struct{ error }

func (e signInError) Unwrap() error { return e.error }

// refused reports whether err is the server's answer (NO or BAD) or the
// OAuth provider's, rather than a connection that failed meanwhile.
func refused(err error) bool {
	var ie *imap.Error
	var oe *oauth2.RetrieveError
	return errors.As(err, &ie) || errors.As(err, &oe)
}

// tlsConfig trusts the system roots and the mailbox's private CA, unless
// TLSConfig overrides it.
func (f *Fetcher) tlsConfig(mb *mailbox.Mailbox) *tls.Config {
	if f.TLSConfig != nil {
		c := f.TLSConfig.Clone()
		c.ServerName = mb.IMAP.Host
		return c
	}
	return mb.TLSConfig(mb.IMAP.Host)
}

// importNew imports every message after the checkpoint, in UID order,
// and says how many it stored, also when it fails part way.
func (f *Fetcher) importNew(ctx context.Context, c *imapclient.Client, mb *mailbox.Mailbox) (filed int, err error) {
	sel, err := c.Select(mb.Folder, nil).Wait()
	if err != nil {
		return filed, fmt.Errorf("open folder %q: %w", mb.Folder, err)
	}
	// stored is the UIDVALIDITY this fetch starts from (0 when none): the
	// checkpoint accepts a new one only in place of it.
	var stored, last int64
	err = f.im.db.R.QueryRowContext(ctx, f.im.q.Get("imap-state"), mb.ID).Scan(&stored, &last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return filed, err
	}
	if stored != int64(sel.UIDValidity) {
		// A new UIDVALIDITY renumbers the folder: start over; the content
		// hash keeps already imported messages from being imported again.
		if stored != 0 {
			f.log.Warn("imap UIDVALIDITY changed; rescanning the folder", "mailbox", mb.Address)
		}
		last = 0
	}
	if sel.NumMessages == 0 {
		return filed, f.checkpoint(ctx, mb.ID, stored, sel.UIDValidity, last)
	}
	from := imap.UID(last + 1)
	if mb.AfterImport == "move" || mb.AfterImport == "delete" {
		from = 1 // stored messages still here were not moved or deleted yet
	}
	res, err := c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{{{Start: from, Stop: 0}}}}, nil).Wait()
	if err != nil {
		return filed, fmt.Errorf("search: %w", err)
	}
	var stale imap.UIDSet
	var fresh []imap.UID
	for _, uid := range res.AllUIDs() {
		// "n:*" includes the highest UID even when below n.
		if int64(uid) <= last {
			stale.AddNum(uid)
		} else {
			fresh = append(fresh, uid)
		}
	}
	if len(stale) > 0 && from == 1 {
		// Stored, but moving or deleting them failed before (a missing
		// folder): the mailbox is not healthy until that works.
		if err := f.afterImport(c, mb, stale); err != nil {
			return filed, err
		}
	}
	return f.importFresh(ctx, c, mb, stored, sel.UIDValidity, fresh)
}

// checkpoint records that every message up to last under validity is
// stored. It never moves the checkpoint backwards (see save-imap-state):
// a new UIDVALIDITY replaces only the stored one this fetch started from.
func (f *Fetcher) checkpoint(ctx context.Context, id, stored int64, validity uint32, last int64) error {
	_, err := f.im.db.W.ExecContext(ctx, f.im.q.Get("save-imap-state"), id, int64(validity), last, db.Now(), stored)
	return err
}

// afterImport tells the server the messages were handled, as configured.
func (f *Fetcher) afterImport(c *imapclient.Client, mb *mailbox.Mailbox, set imap.UIDSet) error {
	switch mb.AfterImport {
	case "move":
		if _, err := c.Move(set, mb.MoveTo).Wait(); err != nil {
			return fmt.Errorf("move uid %s to %q: %w", set, mb.MoveTo, err)
		}
	case "delete":
		if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
			return fmt.Errorf("delete uid %s: %w", set, err)
		}
		if err := c.UIDExpunge(set).Close(); err != nil {
			return fmt.Errorf("expunge uid %s: %w", set, err)
		}
	default:
		if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen, imap.FlagFlagged}}, nil).Close(); err != nil {
			return fmt.Errorf("flag uid %s: %w", set, err)
		}
	}
	return nil
}

// waitForMail returns when the server announces new mail, or after
// PollEvery. Meanwhile it proves the connection alive every IdleEvery —
// ending IDLE (or sending NOOP) needs an answer within ReplyTimeout — and
// returns at once with an error when the connection dies.
func (f *Fetcher) waitForMail(ctx context.Context, c *imapclient.Client, conn *watchedConn, wake chan struct{}) error {
	poll := time.NewTimer(f.PollEvery)
	defer poll.Stop()
	idle := c.Caps().Has(imap.CapIdle)
	for {
		var cmd *imapclient.IdleCommand
		if idle {
			var err error
			if cmd, err = c.Idle(); err != nil {
				return fmt.Errorf("idle: %w", err)
			}
		}
		conn.quiet()
		cycle := time.NewTimer(f.IdleEvery)
		done := false
		select {
		case <-ctx.Done():
			done = true
		case <-wake:
			done = true
		case <-poll.C:
			done = true
		case <-conn.dead:
		case <-cycle.C:
		}
		cycle.Stop()
		conn.busy()
		if err := conn.err(); err != nil {
			return err
		}
		if idle {
			if err := cmd.Close(); err != nil {
				return fmt.Errorf("end idle: %w", err)
			}
			if err := cmd.Wait(); err != nil {
				return fmt.Errorf("idle: %w", err)
			}
		} else if !done {
			if err := c.Noop().Wait(); err != nil {
				return fmt.Errorf("noop: %w", err)
			}
		}
		if done {
			return ctx.Err()
		}
	}
}

package mail

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mailbox"
)

// Fetcher keeps one IMAP connection per IMAP mailbox: it imports new mail,
// then waits with IDLE (or polls), reconnecting with backoff when the
// connection drops. With several instances on one database, each mailbox
// is fetched only by the instance holding its lease (see watch).
// Progress is checkpointed by UIDVALIDITY and UID after each message is
// committed; a message is only flagged, moved or deleted on the server
// after that.
type Fetcher struct {
	im        *Importer
	mailboxes *mailbox.Service
	leases    Leaser
	log       *slog.Logger
	// PollEvery is how often a server without IDLE is checked, and how
	// long one IDLE lasts before it is renewed.
	PollEvery time.Duration
	// MaxBackoff caps the wait between reconnection attempts.
	MaxBackoff time.Duration
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

	mu       sync.Mutex
	failures map[[2]int64]int // (mailbox, uid) → failed attempts
}

// NewFetcher returns a Fetcher importing with im, fetching each mailbox
// while it holds that mailbox's lease from leases.
func NewFetcher(im *Importer, mailboxes *mailbox.Service, leases Leaser, log *slog.Logger) *Fetcher {
	return &Fetcher{im: im, mailboxes: mailboxes, leases: leases, log: log, PollEvery: time.Minute,
		MaxBackoff: 5 * time.Minute, GiveUpAfter: 5, LeaseTTL: 30 * time.Second, LeaseRenew: 10 * time.Second,
		LeaseRetry: 5 * time.Second, failures: map[[2]int64]int{}}
}

// Run watches every active IMAP mailbox until ctx ends, picking up
// mailboxes added or changed later (checked every minute).
func (f *Fetcher) Run(ctx context.Context) {
	type watcher struct {
		cancel  context.CancelFunc
		done    chan struct{}
		version time.Time
	}
	running := map[int64]*watcher{}
	// stop ends a mailbox's watcher and waits until it has released the
	// lease, so a watcher started after it cannot have its lease dropped.
	stop := func(w *watcher) {
		w.cancel()
		<-w.done
	}
	defer func() {
		for _, w := range running {
			w.cancel()
		}
		for _, w := range running {
			<-w.done
		}
	}()
	for {
		mbs, err := f.mailboxes.List(ctx)
		if err != nil && ctx.Err() == nil {
			f.log.Error("list mailboxes", "err", err)
		}
		seen := map[int64]bool{}
		for _, mb := range mbs {
			if !mb.Active || mb.Inbound != "imap" {
				continue
			}
			seen[mb.ID] = true
			if w, ok := running[mb.ID]; ok && w.version.Equal(mb.UpdatedAt) {
				continue
			} else if ok {
				stop(w) // settings changed: reconnect with the new ones
			}
			mctx, cancel := context.WithCancel(ctx)
			w := &watcher{cancel: cancel, done: make(chan struct{}), version: mb.UpdatedAt}
			running[mb.ID] = w
			go func(id int64) {
				defer close(w.done)
				f.watch(mctx, id)
			}(mb.ID)
		}
		for id, w := range running {
			if !seen[id] {
				stop(w)
				delete(running, id)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Minute):
		}
	}
}

// fetch keeps one mailbox imported until ctx ends, reconnecting with
// backoff.
func (f *Fetcher) fetch(ctx context.Context, id int64) {
	backoff := time.Second
	for ctx.Err() == nil {
		err := f.Session(ctx, id)
		if ctx.Err() != nil {
			return
		}
		msg := "connected"
		if err != nil {
			msg = err.Error()
			f.log.Warn("imap connection lost; retrying", "mailbox_id", id, "in", backoff.String(), "err", err)
		}
		f.setStatus(context.WithoutCancel(ctx), id, msg)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		if backoff *= 2; backoff > f.MaxBackoff {
			backoff = f.MaxBackoff
		}
	}
}

// setStatus records the outcome of the last connection attempt for the
// admin pages, with the instance that made it.
func (f *Fetcher) setStatus(ctx context.Context, id int64, msg string) {
	_ = f.mailboxes.SetStatus(ctx, id, fmt.Sprintf("%s (instance %s)", msg, f.leases.Holder()))
}

// Session connects once, imports everything new and then keeps waiting
// for more until the connection fails or ctx ends. Sync runs only the
// import part. Neither takes the mailbox's lease: the caller must be the
// only one fetching the mailbox (Run takes care of that).
func (f *Fetcher) Session(ctx context.Context, id int64) error {
	return f.session(ctx, id, true)
}

// Sync connects, imports what is new, and returns.
func (f *Fetcher) Sync(ctx context.Context, id int64) error {
	return f.session(ctx, id, false)
}

func (f *Fetcher) session(ctx context.Context, id int64, wait bool) error {
	mb, err := f.mailboxes.Credentials(ctx, id)
	if err != nil {
		return err
	}
	wake := make(chan struct{}, 1)
	opts := &imapclient.Options{
		TLSConfig: f.tlsConfig(mb.IMAP.Host),
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
	c, err := f.dial(ctx, mb, opts)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := login(ctx, c, mb, f.mailboxes); err != nil {
		return fmt.Errorf("login as %s: %w", mb.IMAP.Username, err)
	}
	f.setStatus(ctx, id, "connected")
	for {
		if err := f.importNew(ctx, c, mb); err != nil {
			return err
		}
		if !wait {
			_ = c.Logout().Wait()
			return nil
		}
		if err := f.waitForMail(ctx, c, wake); err != nil {
			return err
		}
	}
}

func (f *Fetcher) tlsConfig(host string) *tls.Config {
	if f.TLSConfig != nil {
		c := f.TLSConfig.Clone()
		c.ServerName = host
		return c
	}
	return &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
}

// dial connects within a time limit and gives up when ctx ends: a server
// that silently drops packets must not hold the fetcher (or shutdown).
func (f *Fetcher) dial(ctx context.Context, mb *mailbox.Mailbox, opts *imapclient.Options) (*imapclient.Client, error) {
	addr := net.JoinHostPort(mb.IMAP.Host, fmt.Sprint(mb.IMAP.Port))
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	switch mb.IMAP.TLS {
	case "tls":
		tc := tls.Client(conn, opts.TLSConfig)
		if err := tc.HandshakeContext(dctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("tls: %w", err)
		}
		return imapclient.New(tc, opts), nil
	case "starttls":
		stop := context.AfterFunc(dctx, func() { conn.Close() })
		defer stop()
		c, err := imapclient.NewStartTLS(conn, opts)
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("starttls: %w", err)
		}
		return c, nil
	}
	return imapclient.New(conn, opts), nil
}

// importNew imports every message after the checkpoint, in UID order.
func (f *Fetcher) importNew(ctx context.Context, c *imapclient.Client, mb *mailbox.Mailbox) error {
	sel, err := c.Select(mb.Folder, nil).Wait()
	if err != nil {
		return fmt.Errorf("open folder %q: %w", mb.Folder, err)
	}
	// stored is the UIDVALIDITY this fetch starts from (0 when none): the
	// checkpoint accepts a new one only in place of it.
	var stored, last int64
	err = f.im.db.R.QueryRowContext(ctx, f.im.q.Get("imap-state"), mb.ID).Scan(&stored, &last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
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
		return f.checkpoint(ctx, mb.ID, stored, sel.UIDValidity, last)
	}
	res, err := c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{{{Start: imap.UID(last + 1), Stop: 0}}}}, nil).Wait()
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	for _, uid := range res.AllUIDs() {
		if int64(uid) <= last {
			continue // "n:*" includes the highest UID even when below n
		}
		section := &imap.FetchItemBodySection{Peek: true}
		msgs, err := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil {
			return fmt.Errorf("fetch uid %d: %w", uid, err)
		}
		if len(msgs) == 0 {
			continue // expunged meanwhile
		}
		raw := msgs[0].FindBodySection(section)
		if _, err := f.im.Import(ctx, mb, raw); err != nil {
			key := [2]int64{mb.ID, int64(uid)}
			f.mu.Lock()
			f.failures[key]++
			n := f.failures[key]
			f.mu.Unlock()
			if n < f.GiveUpAfter || ctx.Err() != nil {
				// Not stored: leave it on the server, unacknowledged.
				return fmt.Errorf("import uid %d: %w", uid, err)
			}
			// The same message keeps failing: record it as rejected, raw
			// and reason kept, so the mailbox moves on. If even that cannot
			// be stored (the database is down), it stays unacknowledged.
			if _, rerr := f.im.Reject(ctx, mb, raw, fmt.Sprintf("could not be stored after %d attempts: %v", n, err)); rerr != nil {
				return fmt.Errorf("import uid %d: %w", uid, err)
			}
			f.log.Error("inbound message rejected after repeated failures", "mailbox", mb.Address, "uid", uid, "err", err)
		}
		f.mu.Lock()
		delete(f.failures, [2]int64{mb.ID, int64(uid)})
		f.mu.Unlock()
		if err := f.checkpoint(ctx, mb.ID, stored, sel.UIDValidity, int64(uid)); err != nil {
			return err
		}
		if err := f.afterImport(c, mb, uid); err != nil {
			return err
		}
	}
	return nil
}

// checkpoint records that every message up to last under validity is
// stored. It never moves the checkpoint backwards (see save-imap-state):
// a new UIDVALIDITY replaces only the stored one this fetch started from.
func (f *Fetcher) checkpoint(ctx context.Context, id, stored int64, validity uint32, last int64) error {
	_, err := f.im.db.W.ExecContext(ctx, f.im.q.Get("save-imap-state"), id, int64(validity), last, db.Now(), stored)
	return err
}

// afterImport tells the server the message was handled, as configured.
func (f *Fetcher) afterImport(c *imapclient.Client, mb *mailbox.Mailbox, uid imap.UID) error {
	set := imap.UIDSetNum(uid)
	switch mb.AfterImport {
	case "move":
		if _, err := c.Move(set, mb.MoveTo).Wait(); err != nil {
			return fmt.Errorf("move uid %d to %q: %w", uid, mb.MoveTo, err)
		}
	case "delete":
		if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
			return fmt.Errorf("delete uid %d: %w", uid, err)
		}
		if err := c.UIDExpunge(set).Close(); err != nil {
			return fmt.Errorf("expunge uid %d: %w", uid, err)
		}
	default:
		if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen, imap.FlagFlagged}}, nil).Close(); err != nil {
			return fmt.Errorf("flag uid %d: %w", uid, err)
		}
	}
	return nil
}

// waitForMail returns when the server announces new mail (IDLE) or after
// PollEvery.
func (f *Fetcher) waitForMail(ctx context.Context, c *imapclient.Client, wake chan struct{}) error {
	if !c.Caps().Has(imap.CapIdle) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(f.PollEvery):
			return nil
		}
	}
	idle, err := c.Idle()
	if err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	select {
	case <-ctx.Done():
	case <-wake:
	case <-time.After(f.PollEvery):
	}
	if err := idle.Close(); err != nil {
		return fmt.Errorf("end idle: %w", err)
	}
	if err := idle.Wait(); err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	return ctx.Err()
}

package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/docket/docket/internal/mailbox"
)

// keepAlive probes an idle IMAP connection at the TCP level: a peer that
// vanished without closing (a dead network, a powered-off server) is
// noticed after about Idle + Interval × Count = 20 s of silence, even in
// the middle of IDLE.
var keepAlive = net.KeepAliveConfig{Enable: true, Idle: 5 * time.Second, Interval: 5 * time.Second, Count: 3}

// watchedConn is the socket under an IMAP client. It notices when the
// connection dies (dead closes at the first failed read, so a waiting
// fetcher learns at once rather than at its next command), and while the
// fetcher waits for an answer (busy) it bounds each silence of the server
// with a read deadline that every byte received pushes back. imapclient
// sets read deadlines of its own; the earlier of its and ours applies.
type watchedConn struct {
	net.Conn
	timeout time.Duration

	mu        sync.Mutex
	lib       time.Time // the read deadline imapclient set
	busyUntil time.Time // zero while quiet
	dead      chan struct{}
	once      sync.Once
	cause     error
}

func newWatchedConn(c net.Conn, timeout time.Duration) *watchedConn {
	return &watchedConn{Conn: c, timeout: timeout, dead: make(chan struct{})}
}

func (c *watchedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		if !c.busyUntil.IsZero() {
			c.busyUntil = time.Now().Add(c.timeout)
			c.apply()
		}
		c.mu.Unlock()
	}
	if err != nil {
		c.once.Do(func() {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				err = fmt.Errorf("no answer from the server for %s", c.timeout)
			}
			c.mu.Lock()
			c.cause = fmt.Errorf("connection lost: %w", err)
			c.mu.Unlock()
			close(c.dead)
		})
	}
	return n, err
}

func (c *watchedConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lib = t
	return c.apply()
}

func (c *watchedConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.Conn.SetWriteDeadline(t)
}

// apply sets the earlier of the two deadlines; c.mu is held.
func (c *watchedConn) apply() error {
	d := c.lib
	if !c.busyUntil.IsZero() && (d.IsZero() || c.busyUntil.Before(d)) {
		d = c.busyUntil
	}
	return c.Conn.SetReadDeadline(d)
}

// busy starts expecting answers: from now on the server may not stay
// silent for longer than the timeout.
func (c *watchedConn) busy() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.busyUntil = time.Now().Add(c.timeout)
	c.apply()
}

// quiet stops expecting answers (IDLE, or between polls): the server may
// say nothing for as long as it likes; keep-alive watches the link.
func (c *watchedConn) quiet() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.busyUntil = time.Time{}
	c.apply()
}

// err is why the connection died, or nil while it lives.
func (c *watchedConn) err() error {
	select {
	case <-c.dead:
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.cause
	default:
		return nil
	}
}

// dialIMAP connects to mb's IMAP server within a time limit, giving up
// when ctx ends (a server that silently drops packets must not hold the
// fetcher or shutdown), with TCP keep-alive and the TLS of mb's settings.
// The returned connection is busy.
func dialIMAP(ctx context.Context, mb *mailbox.Mailbox, cfg *tls.Config, opts *imapclient.Options, timeout time.Duration) (*imapclient.Client, *watchedConn, error) {
	addr := net.JoinHostPort(mb.IMAP.Host, fmt.Sprint(mb.IMAP.Port))
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	d := net.Dialer{KeepAliveConfig: keepAlive}
	raw, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	conn := newWatchedConn(raw, timeout)
	conn.busy()
	opts.TLSConfig = cfg
	switch mb.IMAP.TLS {
	case "tls":
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(dctx); err != nil {
			raw.Close()
			return nil, nil, fmt.Errorf("tls: %w", err)
		}
		return imapclient.New(tc, opts), conn, nil
	case "starttls":
		stop := context.AfterFunc(dctx, func() { raw.Close() })
		defer stop()
		c, err := imapclient.NewStartTLS(conn, opts)
		if err != nil {
			raw.Close()
			return nil, nil, fmt.Errorf("starttls: %w", err)
		}
		return c, conn, nil
	}
	return imapclient.New(conn, opts), conn, nil
}

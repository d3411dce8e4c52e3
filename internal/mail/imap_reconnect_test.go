package mail_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/ticket"
)

// restart starts the stopped server again on the same address, with the
// same mail in it.
func (p *imapPeer) restart(t testing.TB) {
	t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the old listener's port may take a moment
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	p.srv = imapserver.New(p.opts)
	go p.srv.Serve(ln)
}

// runFetcher runs f for every mailbox, reacting to e's mailbox events,
// until the test ends.
func runFetcher(t testing.TB, e *env, f *mail.Fetcher) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Run(ctx, e.s.Bus)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// waitTickets waits up to limit until there are n tickets, and says how
// long it took.
func waitTickets(t testing.TB, e *env, n int, limit time.Duration, what string) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		got, err := e.s.Tickets.Count(context.Background(), &userAdmin, ticket.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if got == n {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("%s: %d tickets after %v, want %d", what, got, limit, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// restartToFiled stops the server for down, delivers a message meanwhile,
// starts the server again and reports how long after that the message
// was filed as ticket n.
func restartToFiled(t testing.TB, e *env, peer *imapPeer, down time.Duration, n int) time.Duration {
	t.Helper()
	peer.srv.Close()
	time.Sleep(down)
	peer.deliver(t, "INBOX", raw(fmt.Sprintf("r%d@example.org", n), "support@example.test", fmt.Sprint("After restart ", n), fmt.Sprintf("r%d@x", n), "", "hello"))
	peer.restart(t)
	return waitTickets(t, e, n, 10*time.Second, fmt.Sprintf("restart after %v down", down))
}

// The server restarts again and again: each time the new message is filed
// within 10 s of the server being back, with the fetcher's production
// settings. Before, a drop was noticed only at the minute's IDLE renewal,
// and the backoff grew with every drop and never came down.
func TestIMAPReconnectsWithinSecondsOfARestart(t *testing.T) {
	e := setup(t, apptest.DB(t, db.SQLite))
	peer := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}})
	mb := imapMailbox(t, e, peer, "flag")
	deliverN(t, peer, 0, 1)
	runFetcher(t, e, mail.NewFetcher(e.im, e.s.Mailboxes, e.s.Leases, slog.New(slog.NewTextHandler(io.Discard, nil))))
	waitTickets(t, e, 1, 5*time.Second, "first message")
	for i, down := range []time.Duration{300 * time.Millisecond, 3 * time.Second, 300 * time.Millisecond, 6 * time.Second, 300 * time.Millisecond} {
		took := restartToFiled(t, e, peer, down, i+2)
		t.Logf("restart %d (down %v): filed %v after the server was back", i+1, down, took.Round(time.Millisecond))
		// The backoff starts again after every healthy session: a short
		// outage costs a second, whatever came before it.
		if down < time.Second && took > 3*time.Second {
			t.Errorf("restart %d: a %v outage cost %v; the backoff was not reset", i+1, down, took)
		}
	}
	// The status says connected once the session has flagged what it
	// filed, a moment after the ticket appears.
	got, _ := e.s.Mailboxes.Get(context.Background(), mb.ID)
	for end := time.Now().Add(5 * time.Second); !strings.HasPrefix(got.Status, "connected") && time.Now().Before(end); {
		time.Sleep(20 * time.Millisecond)
		got, _ = e.s.Mailboxes.Get(context.Background(), mb.ID)
	}
	if !strings.HasPrefix(got.Status, "connected") || got.LastError == "" || got.LastErrorAt == nil {
		t.Fatalf("status %q, last error %q at %v; want connected, with the drop recorded", got.Status, got.LastError, got.LastErrorAt)
	}
}

// The server comes back after a long outage (the backoff has grown), and
// goes down again between filing a message and flagging it. That session
// made progress, so the next short outage costs a second again, not the
// grown backoff. Before, only a session that finished its whole import
// counted, and CI caught the 5 s wait when a restart raced the flagging.
func TestIMAPDropAfterFilingKeepsTheShortBackoff(t *testing.T) {
	e := setup(t, apptest.DB(t, db.SQLite))
	peer := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}})
	imapMailbox(t, e, peer, "flag")
	deliverN(t, peer, 0, 1)
	runFetcher(t, e, mail.NewFetcher(e.im, e.s.Mailboxes, e.s.Leases, slog.New(slog.NewTextHandler(io.Discard, nil))))
	waitTickets(t, e, 1, 5*time.Second, "first message")
	// Down 3.5 s: tries at 1 s and 3 s fail, the next wait is 4 s.
	peer.dropAtStore.Store(true)
	restartToFiled(t, e, peer, 3500*time.Millisecond, 2)
	// The server went down at the flagging; bring it back soon.
	for peer.dropAtStore.Load() {
		time.Sleep(10 * time.Millisecond)
	}
	took := restartToFiled(t, e, peer, 300*time.Millisecond, 3)
	if took > 3*time.Second {
		t.Fatalf("a 300ms outage after a session that filed mail cost %v; the backoff was not reset", took)
	}
}

// stallProxy forwards to a server; stall freezes the connections open at
// that moment: nothing passes either way, nothing is closed, and TCP
// keep-alive is answered by the proxy. A server hung, or a middlebox that
// lost the connection's state.
type stallProxy struct {
	addr     string
	next     atomic.Int64 // connections accepted
	stallLow atomic.Int64 // connections numbered below this are frozen
}

func newStallProxy(t *testing.T, target string) *stallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	p := &stallProxy{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			n := p.next.Add(1)
			go p.pipe(n, s, c)
			go p.pipe(n, c, s)
		}
	}()
	return p
}

func (p *stallProxy) stall() { p.stallLow.Store(p.next.Load() + 1) }

func (p *stallProxy) pipe(n int64, dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		k, err := src.Read(buf)
		if n < p.stallLow.Load() {
			select {} // frozen: hold the connection open forever
		}
		if k > 0 {
			if _, werr := dst.Write(buf[:k]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// A connection that goes silent without closing is noticed by the IDLE
// cycle: ending IDLE needs an answer within ReplyTimeout. Before, the
// fetcher waited for that answer forever.
func TestIMAPNoticesASilentConnection(t *testing.T) {
	e := setup(t, apptest.DB(t, db.SQLite))
	peer := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}})
	proxy := newStallProxy(t, peer.addr)
	mb := imapMailbox(t, e, &imapPeer{user: peer.user, addr: proxy.addr}, "flag")
	deliverN(t, peer, 0, 1)
	f := mail.NewFetcher(e.im, e.s.Mailboxes, e.s.Leases, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.IdleEvery, f.ReplyTimeout = 300*time.Millisecond, 700*time.Millisecond
	runFetcher(t, e, f)
	waitTickets(t, e, 1, 5*time.Second, "first message")
	time.Sleep(100 * time.Millisecond) // in IDLE
	proxy.stall()
	deliverN(t, peer, 1, 2)
	took := waitTickets(t, e, 2, 5*time.Second, "after the connection went silent")
	t.Logf("filed %v after the connection went silent", took.Round(time.Millisecond))
	got, _ := e.s.Mailboxes.Get(context.Background(), mb.ID)
	if !strings.Contains(got.LastError, "no answer from the server") {
		t.Fatalf("last error %q, want the silence named", got.LastError)
	}
}

// A mailbox saved as IMAP, or added, is fetched at once: the fetcher
// reacts to the mailbox events instead of reading the list every minute.
func TestIMAPNewMailboxIsFetchedAtOnce(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		peer := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}})
		deliverN(t, peer, 0, 1)
		f := mail.NewFetcher(e.im, e.s.Mailboxes, e.s.Leases, slog.New(slog.NewTextHandler(io.Discard, nil)))
		f.ResyncEvery = time.Hour
		runFetcher(t, e, f)
		time.Sleep(300 * time.Millisecond) // running, with no IMAP mailbox yet
		imapMailbox(t, e, peer, "flag")    // the SMTP mailbox becomes an IMAP one
		took := waitTickets(t, e, 1, 2*time.Second, "a mailbox changed to IMAP")
		t.Logf("changed mailbox: first message filed after %v", took.Round(time.Millisecond))

		other := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}})
		other.deliver(t, "INBOX", raw("n@example.org", "sales@example.test", "New box", "nb1@x", "", "hi"))
		host, port, _ := net.SplitHostPort(other.addr)
		var p int
		fmt.Sscan(port, &p)
		addr, typ, tls, user, pass := "sales@example.test", "imap", "none", "help", "imap-pass"
		if _, err := e.s.Mailboxes.Create(context.Background(), &userAdmin, mailbox.Input{Address: &addr, Inbound: &typ,
			IMAP: mailbox.ServerInput{Host: &host, Port: &p, TLS: &tls, Username: &user, Password: &pass}}); err != nil {
			t.Fatal(err)
		}
		took = waitTickets(t, e, 2, 2*time.Second, "a new IMAP mailbox")
		t.Logf("new mailbox: first message filed after %v", took.Round(time.Millisecond))
	})
}

// A refused sign-in is shown as the status and the last error. Its
// retries back off up to a minute (hammering a server with a wrong
// password gets an address banned), but fixing the mailbox restarts its
// fetcher at once, whatever the backoff.
func TestIMAPRefusedSignInShowsAndAFixIsUsedAtOnce(t *testing.T) {
	e := setup(t, apptest.DB(t, db.SQLite))
	peer := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}})
	mb := imapMailbox(t, e, peer, "flag")
	ctx := context.Background()
	wrong := "wrong-pass"
	if _, err := e.s.Mailboxes.Update(ctx, &userAdmin, mb.ID, mailbox.Input{IMAP: mailbox.ServerInput{Password: &wrong}}); err != nil {
		t.Fatal(err)
	}
	deliverN(t, peer, 0, 1)
	runFetcher(t, e, mail.NewFetcher(e.im, e.s.Mailboxes, e.s.Leases, slog.New(slog.NewTextHandler(io.Discard, nil))))
	eventually(t, "the refused sign-in is shown", func() bool {
		got, _ := e.s.Mailboxes.Get(ctx, mb.ID)
		return strings.HasPrefix(got.LastError, "login as help") && got.Status == got.LastError
	})
	right := "imap-pass"
	if _, err := e.s.Mailboxes.Update(ctx, &userAdmin, mb.ID, mailbox.Input{IMAP: mailbox.ServerInput{Password: &right}}); err != nil {
		t.Fatal(err)
	}
	waitTickets(t, e, 1, 2*time.Second, "the fixed mailbox")
}

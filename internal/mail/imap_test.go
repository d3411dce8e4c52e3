package mail_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return int64(l.Len()) }

// imapPeer is a real IMAP server on loopback (go-imap's in-memory backend).
// It counts logins, and the sessions logged in at once.
type imapPeer struct {
	user *imapmemserver.User
	addr string
	srv  *imapserver.Server
	opts *imapserver.Options // to start it again (restart)

	logins, loggedIn, maxLoggedIn atomic.Int32
	// dropAtStore, when set, makes the next STORE stop the server
	// instead: it goes down between filing a message and flagging it.
	dropAtStore atomic.Bool
}

// countingSession is a session of imapPeer that keeps its counts.
type countingSession struct {
	imapserver.Session
	peer     *imapPeer
	loggedIn bool
}

func (s *countingSession) Login(username, password string) error {
	if err := s.Session.Login(username, password); err != nil {
		return err
	}
	s.loggedIn = true
	s.peer.logins.Add(1)
	n := s.peer.loggedIn.Add(1)
	for m := s.peer.maxLoggedIn.Load(); n > m && !s.peer.maxLoggedIn.CompareAndSwap(m, n); m = s.peer.maxLoggedIn.Load() {
	}
	return nil
}

func (s *countingSession) Close() error {
	if s.loggedIn {
		s.loggedIn = false
		s.peer.loggedIn.Add(-1)
	}
	return s.Session.Close()
}

func (s *countingSession) Store(w *imapserver.FetchWriter, set imap.NumSet, flags *imap.StoreFlags, opts *imap.StoreOptions) error {
	if s.peer.dropAtStore.CompareAndSwap(true, false) {
		go s.peer.srv.Close()
		return errors.New("server going down")
	}
	return s.Session.Store(w, set, flags, opts)
}

// Idle first sends what changed since the last command, as Dovecot does
// when IDLE starts; the in-memory server would keep a message delivered
// between the fetcher's last command and its IDLE to itself until the next
// change, and the fetcher would learn of it only at the next IDLE cycle.
func (s *countingSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	if err := s.Session.Poll(w, true); err != nil {
		return err
	}
	return s.Session.Idle(w, stop)
}

func (s *countingSession) Move(w *imapserver.MoveWriter, set imap.NumSet, dest string) error {
	return s.Session.(imapserver.SessionMove).Move(w, set, dest)
}

func startIMAP(t testing.TB, caps imap.CapSet) *imapPeer {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser("help", "imap-pass")
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	if err := u.Create("Done", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(u)
	p := &imapPeer{user: u}
	p.opts = &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &countingSession{Session: mem.NewSession(), peer: p}, nil, nil
		},
		Caps:         caps,
		InsecureAuth: true,
		Logger:       nopLogger{},
	}
	p.srv = imapserver.New(p.opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	go p.srv.Serve(ln)
	t.Cleanup(func() { p.srv.Close() })
	return p
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}

func (p *imapPeer) deliver(t testing.TB, folder string, msg []byte) {
	t.Helper()
	if _, err := p.user.Append(folder, literal{bytes.NewReader(msg)}, &imap.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
}

func imapMailbox(t testing.TB, e *env, peer *imapPeer, afterImport string) *mailbox.Mailbox {
	t.Helper()
	host, port, _ := net.SplitHostPort(peer.addr)
	var p int
	fmt.Sscan(port, &p)
	typ, tls, user, pass, folder, moveTo := "imap", "none", "help", "imap-pass", "INBOX", "Done"
	mb, err := e.s.Mailboxes.Update(context.Background(), &userAdmin, e.mb.ID, mailbox.Input{Inbound: &typ,
		IMAP:   mailbox.ServerInput{Host: &host, Port: &p, TLS: &tls, Username: &user, Password: &pass},
		Folder: &folder, AfterImport: &afterImport, MoveTo: &moveTo})
	if err != nil {
		t.Fatal(err)
	}
	return mb
}

var userAdmin = user.Actor{Role: user.RoleAdmin}

func countTickets(t *testing.T, e *env) int {
	t.Helper()
	n, err := e.s.Tickets.Count(context.Background(), &userAdmin, ticket.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestIMAPImportRestartAndUIDValidity(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		peer := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}, imap.CapMove: {}})
		mb := imapMailbox(t, e, peer, "flag")
		for i := 0; i < 3; i++ {
			peer.deliver(t, "INBOX", raw(fmt.Sprintf("u%d@example.org", i), "support@example.test", fmt.Sprint("Issue ", i), fmt.Sprintf("i%d@x", i), "", "help"))
		}
		f := mail.NewFetcher(e.im, e.s.Mailboxes, e.s.Leases, slog.New(slog.NewTextHandler(io.Discard, nil)))
		ctx := context.Background()
		if err := f.Sync(ctx, mb.ID); err != nil {
			t.Fatal(err)
		}
		if n := countTickets(t, e); n != 3 {
			t.Fatalf("%d tickets after the first sync, want 3", n)
		}
		// A restart (a new sync) imports nothing twice.
		peer.deliver(t, "INBOX", raw("u9@example.org", "support@example.test", "Issue 9", "i9@x", "", "help"))
		if err := f.Sync(ctx, mb.ID); err != nil {
			t.Fatal(err)
		}
		if n := countTickets(t, e); n != 4 {
			t.Fatalf("%d tickets after a restart, want 4", n)
		}
		// The server renumbers the folder (new UIDVALIDITY) with the same
		// messages in it: still no duplicates.
		if err := peer.user.Delete("INBOX"); err != nil {
			t.Fatal(err)
		}
		peer.user.Create("INBOX", nil)
		for i := 0; i < 3; i++ {
			peer.deliver(t, "INBOX", raw(fmt.Sprintf("u%d@example.org", i), "support@example.test", fmt.Sprint("Issue ", i), fmt.Sprintf("i%d@x", i), "", "help"))
		}
		peer.deliver(t, "INBOX", raw("new@example.org", "support@example.test", "Brand new", "n1@x", "", "help"))
		if err := f.Sync(ctx, mb.ID); err != nil {
			t.Fatal(err)
		}
		if n := countTickets(t, e); n != 5 {
			t.Fatalf("%d tickets after a UIDVALIDITY change, want 5", n)
		}
	})
}

func TestIMAPNothingAcknowledgedWhenStoringFails(t *testing.T) {
	e := setup(t, apptest.DB(t, db.SQLite))
	peer := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}})
	mb := imapMailbox(t, e, peer, "move")
	peer.deliver(t, "INBOX", raw("a@example.org", "support@example.test", "First", "f1@x", "", "one"))
	peer.deliver(t, "INBOX", raw("b@example.org", "support@example.test", "Second", "f2@x", "", "two"))
	// The database refuses writes (as if it were down) for the second message.
	var refuse atomic.Bool
	e.s.Tickets.OnWrite(func(ctx context.Context, tx *db.Tx, w ticket.Write) error {
		if refuse.Load() && w.Ticket.Subject == "Second" {
			return errors.New("database unavailable")
		}
		return nil
	})
	refuse.Store(true)
	f := mail.NewFetcher(e.im, e.s.Mailboxes, e.s.Leases, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := f.Sync(context.Background(), mb.ID); err == nil {
		t.Fatal("a sync whose import failed reported success")
	}
	if n := countTickets(t, e); n != 1 {
		t.Fatalf("%d tickets, want only the first", n)
	}
	st, _ := peer.user.Status("INBOX", &imap.StatusOptions{NumMessages: true})
	if *st.NumMessages != 1 {
		t.Fatalf("INBOX holds %d messages; the unstored one must stay on the server", *st.NumMessages)
	}
	refuse.Store(false)
	if err := f.Sync(context.Background(), mb.ID); err != nil {
		t.Fatal(err)
	}
	if n := countTickets(t, e); n != 2 {
		t.Fatalf("%d tickets after the database came back, want 2", n)
	}
	done, _ := peer.user.Status("Done", &imap.StatusOptions{NumMessages: true})
	if *done.NumMessages != 2 {
		t.Fatalf("Done holds %d messages after import, want 2 (moved after storing)", *done.NumMessages)
	}
}

func TestIMAPIdlePush(t *testing.T) {
	e := setup(t, apptest.DB(t, db.SQLite))
	peer := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}})
	mb := imapMailbox(t, e, peer, "flag")
	f := mail.NewFetcher(e.im, e.s.Mailboxes, e.s.Leases, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.PollEvery = time.Hour // only IDLE can bring the message in time
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Session(ctx, mb.ID) }()
	time.Sleep(300 * time.Millisecond)
	peer.deliver(t, "INBOX", raw("push@example.org", "support@example.test", "Pushed", "p1@x", "", "via IDLE"))
	deadline := time.Now().Add(5 * time.Second)
	for countTickets(t, e) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("IDLE did not bring the new message in")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	status, _ := e.s.Mailboxes.Get(context.Background(), mb.ID)
	if !strings.Contains(status.Status, "connected") {
		t.Errorf("mailbox status = %q", status.Status)
	}
}

// cutProxy forwards to addr and, while cut is set, drops the connection
// after the server has sent that many bytes: a server or network failing
// in the middle of a FETCH.
type cutProxy struct {
	ln   net.Listener
	addr string
	cut  atomic.Int64
}

func newCutProxy(t *testing.T, addr string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, addr: addr}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *cutProxy) serve(c net.Conn) {
	defer c.Close()
	s, err := net.Dial("tcp", p.addr)
	if err != nil {
		return
	}
	defer s.Close()
	go io.Copy(s, c)
	if limit := p.cut.Load(); limit > 0 {
		io.CopyN(c, s, limit)
		return // connection dropped mid-stream
	}
	io.Copy(c, s)
}

func TestIMAPConnectionDroppedMidFetch(t *testing.T) {
	e := setup(t, apptest.DB(t, db.SQLite))
	peer := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}})
	proxy := newCutProxy(t, peer.addr)
	// The mailbox talks to the server through the proxy.
	proxied := &imapPeer{user: peer.user, addr: proxy.ln.Addr().String()}
	mb := imapMailbox(t, e, proxied, "flag")
	big := strings.Repeat("A long line of an attached log file, repeated to make the message large.\r\n", 200)
	for i := 0; i < 3; i++ {
		peer.deliver(t, "INBOX", raw(fmt.Sprintf("c%d@example.org", i), "support@example.test", fmt.Sprint("Cut ", i), fmt.Sprintf("c%d@x", i), "", big))
	}
	f := mail.NewFetcher(e.im, e.s.Mailboxes, e.s.Leases, slog.New(slog.NewTextHandler(io.Discard, nil)))
	proxy.cut.Store(int64(len(big)) + 4000) // into the second message's FETCH
	if err := f.Sync(context.Background(), mb.ID); err == nil {
		t.Fatal("a sync cut off mid-fetch reported success")
	}
	got := countTickets(t, e)
	if got > 1 {
		t.Fatalf("%d tickets after the cut, want at most the first", got)
	}
	proxy.cut.Store(0)
	if err := f.Sync(context.Background(), mb.ID); err != nil {
		t.Fatal(err)
	}
	if n := countTickets(t, e); n != 3 {
		t.Fatalf("%d tickets after reconnecting, want exactly 3 (none lost, none twice)", n)
	}
}

// saslSession adds XOAUTH2 to the in-memory server: a bearer token the
// test's token endpoint issued signs the user in.
type saslSession struct {
	imapserver.Session
	user, pass, token string
}

func (s *saslSession) AuthenticateMechanisms() []string { return []string{"XOAUTH2"} }

func (s *saslSession) Authenticate(mech string) (sasl.Server, error) {
	return saslServerFunc(func(resp []byte) ([]byte, bool, error) {
		want := "user=" + s.user + "\x01auth=Bearer " + s.token + "\x01\x01"
		if string(resp) != want {
			return nil, false, errors.New("invalid token")
		}
		return nil, true, s.Session.Login(s.user, s.pass)
	}), nil
}

type saslServerFunc func([]byte) ([]byte, bool, error)

func (f saslServerFunc) Next(resp []byte) ([]byte, bool, error) { return f(resp) }

func TestIMAPXOAUTH2(t *testing.T) {
	e := setup(t, apptest.DB(t, db.SQLite))
	// The provider's token endpoint: refresh token in, access token out
	// (and a rotated refresh token).
	var refreshSeen atomic.Value
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		refreshSeen.Store(r.PostFormValue("refresh_token"))
		if r.PostFormValue("grant_type") != "refresh_token" {
			http.Error(w, "bad grant", 400)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"access-123","token_type":"Bearer","expires_in":3600,"refresh_token":"refresh-2"}`)
	}))
	defer tokens.Close()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser("help@example.test", "unused-password")
	u.Create("INBOX", nil)
	mem.AddUser(u)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &saslSession{Session: mem.NewSession(), user: "help@example.test", pass: "unused-password", token: "access-123"}, nil, nil
		},
		Caps: imap.CapSet{imap.CapIMAP4rev1: {}, imap.Cap("AUTH=XOAUTH2"): {}}, InsecureAuth: true, Logger: nopLogger{},
	})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln)
	defer srv.Close()
	peer := &imapPeer{user: u, addr: ln.Addr().String()}
	peer.deliver(t, "INBOX", raw("oauth@example.org", "support@example.test", "Via OAuth", "o1@x", "", "hello"))
	host, port, _ := net.SplitHostPort(peer.addr)
	var p int
	fmt.Sscan(port, &p)
	typ, tls, user, auth, folder, after := "imap", "none", "help@example.test", "xoauth2", "INBOX", "flag"
	tokenURL, clientID, secretV, refresh := tokens.URL+"/token", "docket-client", "client-secret", "refresh-1"
	mb, err := e.s.Mailboxes.Update(context.Background(), &userAdmin, e.mb.ID, mailbox.Input{Inbound: &typ,
		IMAP: mailbox.ServerInput{Host: &host, Port: &p, TLS: &tls, Username: &user}, IMAPAuth: &auth,
		OAuth:  mailbox.OAuthInput{TokenURL: &tokenURL, ClientID: &clientID, ClientSecret: &secretV, RefreshToken: &refresh},
		Folder: &folder, AfterImport: &after})
	if err != nil {
		t.Fatal(err)
	}
	if mb.IMAPAuth != "xoauth2" || !mb.OAuth.HasRefresh || mb.OAuth.RefreshToken != "" {
		t.Fatalf("mailbox oauth = %+v", mb.OAuth)
	}
	f := mail.NewFetcher(e.im, e.s.Mailboxes, e.s.Leases, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := f.Sync(context.Background(), mb.ID); err != nil {
		t.Fatal(err)
	}
	if n := countTickets(t, e); n != 1 {
		t.Fatalf("%d tickets via XOAUTH2, want 1", n)
	}
	if refreshSeen.Load() != "refresh-1" {
		t.Fatalf("token endpoint saw refresh token %v", refreshSeen.Load())
	}
	// The rotated refresh token is kept for next time.
	full, _ := e.s.Mailboxes.Credentials(context.Background(), mb.ID)
	if full.OAuth.RefreshToken != "refresh-2" {
		t.Fatalf("stored refresh token = %q, want the rotated one", full.OAuth.RefreshToken)
	}
	// Missing OAuth settings are refused with the field at fault.
	empty := ""
	_, err = e.s.Mailboxes.Update(context.Background(), &userAdmin, e.mb.ID, mailbox.Input{OAuth: mailbox.OAuthInput{ClientID: &empty}})
	if err == nil || !strings.Contains(err.Error(), "inbound.oauth.client_id") {
		t.Fatalf("xoauth2 without a client id: %v", err)
	}
}

// poisoned makes every ticket write of a message with the subject "Poison"
// fail, and returns a fetcher that gives such a message up after 3
// attempts.
func poisoned(e *env) *mail.Fetcher {
	e.s.Tickets.OnWrite(func(ctx context.Context, tx *db.Tx, w ticket.Write) error {
		if w.Ticket.Subject == "Poison" {
			return errors.New("always fails")
		}
		return nil
	})
	f := newFetcher(e)
	f.GiveUpAfter = 3
	return f
}

// A message that can never be stored is recorded as rejected after a few
// attempts, so the mail behind it still arrives.
func TestIMAPPoisonMessageDoesNotBlockTheMailbox(t *testing.T) {
	e := setup(t, apptest.DB(t, db.SQLite))
	peer := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}})
	mb := imapMailbox(t, e, peer, "flag")
	peer.deliver(t, "INBOX", raw("p@example.org", "support@example.test", "Poison", "p1@x", "", "breaks"))
	peer.deliver(t, "INBOX", raw("q@example.org", "support@example.test", "Fine", "p2@x", "", "works"))
	f := poisoned(e)
	for i := 0; i < 2; i++ {
		if err := f.Sync(context.Background(), mb.ID); err == nil {
			t.Fatalf("attempt %d: the failing message was acknowledged too early", i+1)
		}
	}
	if n := countTickets(t, e); n != 0 {
		t.Fatalf("%d tickets while the first message blocks, want 0", n)
	}
	if err := f.Sync(context.Background(), mb.ID); err != nil {
		t.Fatal(err)
	}
	if n := countTickets(t, e); n != 1 {
		t.Fatalf("%d tickets after giving up on the poison message, want the second one", n)
	}
	var decision string
	var rawLen int
	q := `SELECT decision, LENGTH(raw) FROM inbound_messages WHERE message_id = 'p1@x'`
	if err := e.s.DB.R.QueryRowContext(context.Background(), q).Scan(&decision, &rawLen); err != nil || !strings.HasPrefix(decision, "rejected: could not be stored after 3 attempts") || rawLen == 0 {
		t.Fatalf("poison record: %q, raw %d bytes, %v", decision, rawLen, err)
	}
}

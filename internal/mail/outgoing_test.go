package mail_test

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// sink is an SMTP server on loopback keeping what it receives.
type sink struct {
	mu   sync.Mutex
	msgs []string
	rcpt []string
}

func (k *sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{k: k}, nil }

type sinkSession struct{ k *sink }

func (s *sinkSession) Reset()                               {}
func (s *sinkSession) Logout() error                        { return nil }
func (s *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.k.mu.Lock()
	s.k.rcpt = append(s.k.rcpt, to)
	s.k.mu.Unlock()
	return nil
}
func (s *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.k.mu.Lock()
	s.k.msgs = append(s.k.msgs, string(b))
	s.k.mu.Unlock()
	return err
}

// An agent's reply reaches the requester through the mailbox's SMTP server,
// with the ticket's reply address, once the mailbox is configured.
func TestRepliesAreMailedThroughTheMailbox(t *testing.T) {
	d := apptest.DB(t, db.SQLite)
	e := setup(t, d)
	k := &sink{}
	srv := smtp.NewServer(k)
	srv.Domain = "relay.test"
	srv.AllowInsecureAuth = true
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln)
	defer srv.Close()
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	var p int
	for _, c := range port {
		p = p*10 + int(c-'0')
	}
	tk, _ := agentRepliesToBob(t, e, host, p, "We fixed **it**.")
	deadline := time.Now().Add(5 * time.Second)
	for {
		k.mu.Lock()
		n := len(k.msgs)
		k.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the reply was not mailed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	m := k.msgs[0]
	if len(k.msgs) != 1 || k.rcpt[0] != "bob@example.org" || !strings.Contains(m, "From: \"Support\" <support@example.test>") && !strings.Contains(m, "From: Support <support@example.test>") ||
		!strings.Contains(m, "support+"+strings.ReplaceAll(tk.UID, "-", "")+"@example.test") || !strings.Contains(m, "[#"+itoa(tk.Number)+"]") {
		t.Fatalf("mailed %d messages to %v:\n%s", len(k.msgs), k.rcpt, m)
	}
}

func itoa(n int64) string {
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func startSink(t *testing.T) (*sink, string, int) {
	t.Helper()
	k := &sink{}
	srv := smtp.NewServer(k)
	srv.Domain = "relay.test"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return k, "127.0.0.1", ln.Addr().(*net.TCPAddr).Port
}

func (k *sink) wait(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		k.mu.Lock()
		got := append([]string(nil), k.msgs...)
		k.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d emails arrived, want %d", len(got), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A ticket that came in through the second mailbox is answered as that
// mailbox, through its server; other tickets as the first. The mailbox
// counts the moment it is saved.
func TestRepliesUseTheTicketsMailbox(t *testing.T) {
	d := apptest.DB(t, db.SQLite)
	e := setup(t, d)
	ctx := context.Background()
	sinkA, hostA, portA := startSink(t)
	sinkB, hostB, portB := startSink(t)
	none := "none"
	if _, err := e.s.Mailboxes.Update(ctx, &userAdmin, e.mb.ID, mailbox.Input{SMTP: mailbox.ServerInput{Host: &hostA, Port: &portA, TLS: &none}}); err != nil {
		t.Fatal(err)
	}
	addrB, nameB := "billing@example.test", "Billing"
	mbB, err := e.s.Mailboxes.Create(ctx, &userAdmin, mailbox.Input{Address: &addrB, Name: &nameB,
		SMTP: mailbox.ServerInput{Host: &hostB, Port: &portB, TLS: &none}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.s.Importer.Import(ctx, mbB, raw("payer@example.org", "billing@example.test", "Invoice question", "inv1@x", "", "Why?"))
	if err != nil || res.Ticket == 0 {
		t.Fatalf("import: %+v %v", res, err)
	}
	agent := apptest.User(t, e.s, user.RoleAgent, "")
	if _, err := e.s.Tickets.Reply(ctx, agent, res.Ticket, ticket.NewReply{Body: "Because."}); err != nil {
		t.Fatal(err)
	}
	got := sinkB.wait(t, 2) // acknowledgement and reply
	for _, m := range got {
		if !strings.Contains(m, "billing@example.test") || strings.Contains(m, "From: \"Support\"") {
			t.Fatalf("email for a billing ticket:\n%s", m)
		}
	}
	sinkA.mu.Lock()
	n := len(sinkA.msgs)
	sinkA.mu.Unlock()
	if n != 0 {
		t.Fatalf("the first mailbox's server sent %d of the billing ticket's emails", n)
	}
}

// The server is read from the mailbox at each attempt: an email that
// failed through the old settings goes through the new ones at once.
func TestChangedMailboxIsUsedAtOnce(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		ctx := context.Background()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		host, none := "127.0.0.1", "none"
		if _, err := e.s.Mailboxes.Update(ctx, &userAdmin, e.mb.ID, mailbox.Input{SMTP: mailbox.ServerInput{Host: &host, Port: &closed, TLS: &none}}); err != nil {
			t.Fatal(err)
		}
		agent := apptest.User(t, e.s, user.RoleAgent, "")
		tk := apptest.Ticket(t, e.s, agent, func(n *ticket.NewTicket) {
			n.Requester = &ticket.Contact{Email: "bob@example.org"}
			n.Channel = ticket.ChannelPhone
		})
		m, err := e.s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Fixed."})
		if err != nil {
			t.Fatal(err)
		}
		ds, err := e.s.Outbox.StatusForMessage(ctx, m.ID)
		if err != nil || len(ds) != 1 {
			t.Fatalf("deliveries: %+v %v", ds, err)
		}
		var j *job.Job
		deadline := time.Now().Add(10 * time.Second)
		for j == nil || j.State != job.Retryable {
			if time.Now().After(deadline) {
				t.Fatalf("the first attempt did not fail: %+v", j)
			}
			time.Sleep(20 * time.Millisecond)
			js, err := e.s.Jobs.List(ctx, job.Filter{Kind: outbox.SendJob})
			if err != nil || len(js) != 1 {
				t.Fatalf("send jobs: %+v %v", js, err)
			}
			j = &js[0]
		}
		k, _, port := startSink(t)
		deadline = time.Now().Add(10 * time.Second)
		if _, err := e.s.Mailboxes.Update(ctx, &userAdmin, e.mb.ID, mailbox.Input{SMTP: mailbox.ServerInput{Port: &port}}); err != nil {
			t.Fatal(err)
		}
		if err := e.s.Jobs.RetryNow(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
		k.wait(t, 1)
		for {
			ds, _ := e.s.Outbox.StatusForMessage(ctx, m.ID)
			if ds[0].Status == outbox.StatusSent && ds[0].Attempts == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after the mailbox changed: %+v", ds[0])
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

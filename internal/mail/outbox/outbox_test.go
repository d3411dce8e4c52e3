package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/lease"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

var ctx = context.Background()

type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

type env struct {
	t      *testing.T
	d      *db.DB
	s      *app.Services
	store  *outbox.Store
	n      *outbox.Notifier
	jobs   *job.Queue
	sender *outbox.Sender
	runner *job.Runner
	cancel context.CancelFunc // tells runner to stop
	stop   func()             // tells runner to stop and waits for it
	sink   *sink
	clock  *clock
	agent  *user.Actor
	// route, when set, is the SMTP server emails go through instead of
	// the sink.
	route atomic.Pointer[outbox.SMTP]
}

// setup builds the services without starting their job runner: the test
// runs its own, on a clock it moves, sending to a loopback SMTP sink.
func setup(t *testing.T, d *db.DB) *env {
	t.Helper()
	s, err := app.Build(ctx, d, apptest.Config(t), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{}
	e := &env{t: t, d: d, s: s, clock: c, sink: newSink(t), agent: apptest.User(t, s, user.RoleAgent, "")}
	e.jobs, e.sender, e.runner = e.newRunner("a")
	if e.store, err = outbox.New(ctx, d, s.Events, e.jobs); err != nil {
		t.Fatal(err)
	}
	e.n, err = outbox.NewNotifier(e.store, outbox.Config{FromAddress: "support@docket.test", FromName: "Docket Support",
		BaseURL: "https://help.docket.test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.n.Register(s.Tickets)
	e.stop, e.cancel = e.start(e.runner)
	return e
}

// newRunner returns a job runner of its own, named holder, that sends the
// outbox's emails to the sink.
func (e *env) newRunner(holder string) (*job.Queue, *outbox.Sender, *job.Runner) {
	e.t.Helper()
	q, err := job.NewQueue(e.d)
	if err != nil {
		e.t.Fatal(err)
	}
	l, err := lease.New(e.d)
	if err != nil {
		e.t.Fatal(err)
	}
	r := job.NewRunner(q, l.WithHolder(holder).WithClock(e.clock.Now), job.Options{PollInterval: 10 * time.Millisecond,
		Lease: time.Minute, Now: e.clock.Now})
	store, err := outbox.New(ctx, e.d, e.s.Events, q)
	if err != nil {
		e.t.Fatal(err)
	}
	sender := outbox.NewSender(store, outbox.SenderOptions{Now: e.clock.Now, Attachment: e.s.Attachments.OpenForEmail,
		SMTP: func(context.Context, string) (outbox.SMTP, error) {
			if r := e.route.Load(); r != nil {
				return *r, nil
			}
			return outbox.SMTP{Host: "127.0.0.1", Port: e.sink.addr.Port, TLS: "none", Timeout: 5 * time.Second}, nil
		}})
	r.Register(outbox.SendJob, sender.Kind())
	q.OnRetry(outbox.SendJob, sender.Requeue)
	return q, sender, r
}

// start runs r until stop (also called at cleanup) stops it and waits
// for it, or cancel tells it to stop.
func (e *env) start(r *job.Runner) (stop func(), cancel context.CancelFunc) {
	rctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(rctx) }()
	stop = func() { cancel(); <-done }
	e.t.Cleanup(stop)
	return stop, cancel
}

// drain waits until no send job is due or running, and returns what the
// SMTP server received meanwhile.
func (e *env) drain() []*received {
	e.t.Helper()
	e.runner.Wake()
	e.waitFor("the due emails to be sent", func() bool { return e.busyJobs() == 0 })
	return e.sink.take()
}

// busyJobs counts the send jobs due now or running.
func (e *env) busyJobs() int {
	e.t.Helper()
	var n int
	if err := e.d.R.QueryRowContext(ctx, e.d.Rebind(`SELECT COUNT(*) FROM jobs WHERE kind = $1 AND
		(state = 'running' OR state IN ('available', 'retryable') AND run_at <= $2)`), outbox.SendJob,
		e.clock.Now().UnixMicro()).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) waitFor(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sendJob returns the send job of outbox row id (the newest).
func (e *env) sendJob(id int64) *job.Job {
	e.t.Helper()
	js, err := e.jobs.List(ctx, job.Filter{Kind: outbox.SendJob, Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	want := fmt.Sprintf(`{"outbox_id":%d}`, id)
	for _, j := range js {
		if string(j.Args) == want {
			return &j
		}
	}
	e.t.Fatalf("no send job for outbox row %d", id)
	return nil
}

func (e *env) countJobs() int {
	e.t.Helper()
	var n int
	if err := e.d.R.QueryRowContext(ctx, e.d.Rebind(`SELECT COUNT(*) FROM jobs WHERE kind = $1`), outbox.SendJob).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) requester(tk *ticket.Ticket) *user.Actor {
	e.t.Helper()
	a, err := e.s.Users.Actor(ctx, tk.Requester.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *env) outboxRows(ticketID int64) int {
	e.t.Helper()
	var n int
	if err := e.d.R.QueryRowContext(ctx, e.d.Rebind(`SELECT COUNT(*) FROM outbox WHERE ticket_id = $1`), ticketID).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) reply(a *user.Actor, tk *ticket.Ticket, in ticket.NewReply) *ticket.Message {
	e.t.Helper()
	m, err := e.s.Tickets.Reply(ctx, a, tk.Number, in)
	if err != nil {
		e.t.Fatalf("reply: %v", err)
	}
	return m
}

func one(t *testing.T, got []*received) *received {
	t.Helper()
	if len(got) != 1 {
		t.Fatalf("outbox.SMTP server received %d emails, want 1", len(got))
	}
	return got[0]
}

func msgID(r *received) string { return outbox.StripBrackets(r.Header.Get("Message-ID")) }

func emailTicket(tk *ticket.NewTicket) {
	tk.Channel = ticket.ChannelEmail
	tk.MessageID = "first.123@customer.example"
}

func TestAgentReplyEmail(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		tk := apptest.Ticket(t, e.s, e.agent, emailTicket)
		tag := "[" + tk.Reference + "] "

		ack := one(t, e.drain())
		if got := ack.Header.Get("Auto-Submitted"); got != "auto-generated" {
			t.Errorf("ack Auto-Submitted = %q", got)
		}
		if got := ack.Header.Get("Subject"); got != tag+tk.Subject {
			t.Errorf("ack subject = %q", got)
		}
		if got := ack.Header.Get("In-Reply-To"); got != "<first.123@customer.example>" {
			t.Errorf("ack In-Reply-To = %q", got)
		}

		m := e.reply(e.agent, tk, ticket.NewReply{Body: "Have you tried **turning it off**?"})
		r := one(t, e.drain())
		h := r.Header
		if len(r.Rcpts) != 1 || r.Rcpts[0] != tk.Requester.Email {
			t.Errorf("envelope recipients %v, want %s", r.Rcpts, tk.Requester.Email)
		}
		if r.From != "support@docket.test" {
			t.Errorf("envelope from %q", r.From)
		}
		if to, _ := h.AddressList("To"); len(to) != 1 || to[0].Address != tk.Requester.Email {
			t.Errorf("To = %q", h.Get("To"))
		}
		if from, _ := h.AddressList("From"); len(from) != 1 || from[0].Address != "support@docket.test" || from[0].Name != "Docket Support" {
			t.Errorf("From = %q", h.Get("From"))
		}
		wantReplyTo := "support+" + outbox.ReplyToken(tk.UID) + "@docket.test"
		if rt, _ := h.AddressList("Reply-To"); len(rt) != 1 || rt[0].Address != wantReplyTo {
			t.Errorf("Reply-To = %q, want %s", h.Get("Reply-To"), wantReplyTo)
		}
		if got := h.Get("Subject"); got != tag+"Re: "+tk.Subject {
			t.Errorf("Subject = %q", got)
		}
		id := msgID(r)
		if !strings.HasSuffix(id, "@docket.test") || !strings.HasPrefix(h.Get("Message-ID"), "<") {
			t.Errorf("Message-ID = %q", h.Get("Message-ID"))
		}
		if got := h.Get("In-Reply-To"); got != "<"+msgID(ack)+">" {
			t.Errorf("In-Reply-To = %q, want the ack's id %s", got, msgID(ack))
		}
		if got, want := h.Get("References"), "<first.123@customer.example> <"+msgID(ack)+">"; got != want {
			t.Errorf("References = %q, want %q", got, want)
		}
		if got := h.Get("Auto-Submitted"); got != "" {
			t.Errorf("an agent's reply carries Auto-Submitted: %q", got)
		}
		if !strings.Contains(r.Text, "Have you tried turning it off?") || strings.Contains(r.Text, "**") {
			t.Errorf("text part %q: want the Markdown as plain text", r.Text)
		}
		if !strings.Contains(r.HTML, "<strong>turning it off</strong>") {
			t.Errorf("HTML part %q", r.HTML)
		}
		ds, err := e.store.StatusForMessage(ctx, m.ID)
		if err != nil || len(ds) != 1 || ds[0].Status != outbox.StatusSent || ds[0].Attempts != 1 || ds[0].RFC822MessageID != id || ds[0].SentAt == nil {
			t.Fatalf("StatusForMessage = %+v, %v", ds, err)
		}
		if j := e.sendJob(ds[0].ID); j.State != job.Completed || j.Attempt != 1 || j.UniqueKey != fmt.Sprintf("email.send:%d", ds[0].ID) {
			t.Fatalf("send job = %+v", j)
		}

		// The token in the Reply-To leads back to the ticket.
		local, _, _ := strings.Cut(wantReplyTo, "@")
		if tok, ok := outbox.ParseReplyToken(strings.ToUpper(local)); !ok || outbox.UIDFromToken(tok) != tk.UID {
			t.Errorf("outbox.ParseReplyToken(%q) = %q, %v", local, tok, ok)
		}

		// An internal note never leaves.
		note := e.reply(e.agent, tk, ticket.NewReply{Body: "between us", Internal: true})
		if got := e.drain(); len(got) != 0 {
			t.Errorf("an internal note sent %d emails", len(got))
		}
		if ds, _ := e.store.StatusForMessage(ctx, note.ID); len(ds) != 0 {
			t.Errorf("an internal note has deliveries %+v", ds)
		}
	})
}

func TestNotices(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		tk := apptest.Ticket(t, e.s, e.agent)
		tag := "[" + tk.Reference + "] "
		e.drain() // the ack

		// What agents are told is the notify package's choice, by their
		// preferences: the ticket hook itself writes them nothing.
		other := apptest.User(t, e.s, user.RoleAgent, "")
		email := other.Email
		if _, err := e.s.Tickets.Update(ctx, e.agent, tk.Number, ticket.Patch{Assignee: &email}, 0); err != nil {
			t.Fatal(err)
		}
		req := e.requester(tk)
		e.reply(req, tk, ticket.NewReply{Body: "Still broken.", Channel: ticket.ChannelPortal})
		if got := e.drain(); len(got) != 0 {
			t.Errorf("the ticket hook emailed agents %d notices", len(got))
		}
		// An agent's notice, as notify writes it: to them, automatic, tagged,
		// with the link to the ticket; a requester is never sent one.
		if err := e.d.WithTx(ctx, func(tx *db.Tx) error {
			now, err := e.s.Tickets.ByIDTx(ctx, tx, tk.ID)
			if err != nil {
				return err
			}
			w := ticket.Write{Ticket: now, Actor: e.agent}
			if err := e.n.Agent(ctx, tx, outbox.KindRequesterNotice, w, req.ID, nil); err != nil {
				return err
			}
			return e.n.Agent(ctx, tx, outbox.KindAssignment, w, other.ID, nil)
		}); err != nil {
			t.Fatal(err)
		}
		r := one(t, e.drain())
		if r.Rcpts[0] != other.Email || r.Header.Get("Auto-Submitted") != "auto-generated" ||
			!strings.HasPrefix(r.Header.Get("Subject"), tag) || !strings.Contains(r.Text, "/tickets/") {
			t.Errorf("assignment notice %v %v %q", r.Rcpts, r.Header, r.Text)
		}

		// Resolution: the requester hears, with the link to their ticket in
		// the portal and none to a page that does not exist (satisfaction).
		st, res := ticket.StatusResolved, ticket.ResolutionFixed
		if _, err := e.s.Tickets.Update(ctx, e.agent, tk.Number, ticket.Patch{Status: &st, Resolution: &res}, 0); err != nil {
			t.Fatal(err)
		}
		r = one(t, e.drain())
		if r.Rcpts[0] != tk.Requester.Email || r.Header.Get("Auto-Submitted") != "auto-generated" ||
			r.Header.Get("Subject") != tag+"Resolved: "+tk.Subject ||
			strings.Count(r.Text, "https://") != 1 || !strings.Contains(r.Text, "/portal/t/"+tk.UID) || r.HTML == "" ||
			!strings.Contains(r.Text, "has been resolved") {
			t.Errorf("resolution notice %v %v %q", r.Rcpts, r.Header, r.Text)
		}
	})
}

func TestNoAckForPhoneOrAutomaticMail(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		apptest.Ticket(t, e.s, e.agent, func(in *ticket.NewTicket) { in.Channel = ticket.ChannelPhone })
		apptest.Ticket(t, e.s, e.agent, func(in *ticket.NewTicket) {
			emailTicket(in)
			in.Threading = "Auto-Submitted: auto-replied"
		})
		if got := e.drain(); len(got) != 0 {
			t.Errorf("%d acknowledgements, want none", len(got))
		}
	})
}

func TestTemplatesOverride(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		tpls := e.store.Templates()
		if err := tpls.Put(ctx, apptest.Setup, outbox.Template{Key: outbox.KindAck, Subject: "Got it: {{.Ticket.Subject}}", Body: "{{.Nope}}"}); err == nil {
			t.Fatal("a template using an unknown field was stored")
		}
		if err := tpls.Put(ctx, apptest.Setup, outbox.Template{Key: outbox.KindAck, Subject: "Got it: {{.Ticket.Subject}}", Body: "Thanks {{.Recipient.Name}}!"}); err != nil {
			t.Fatal(err)
		}
		if tpl, err := tpls.Get(ctx, apptest.Setup, outbox.KindAck); err != nil || tpl.Default || tpl.Body != "Thanks {{.Recipient.Name}}!" {
			t.Fatalf("Get = %+v, %v", tpl, err)
		}
		if _, err := tpls.Get(ctx, e.agent, outbox.KindAck); !errors.Is(err, fault.ErrForbidden) {
			t.Fatalf("an agent read a template: %v", err)
		}
		tk := apptest.Ticket(t, e.s, e.agent)
		r := one(t, e.drain())
		if r.Header.Get("Subject") != "["+tk.Reference+"] Got it: "+tk.Subject || !strings.Contains(r.Text, "Thanks Req!") {
			t.Errorf("override not used: %q %q", r.Header.Get("Subject"), r.Text)
		}
		if err := tpls.Reset(ctx, apptest.Setup, outbox.KindAck); err != nil {
			t.Fatal(err)
		}
		if tpl, _ := tpls.Get(ctx, apptest.Setup, outbox.KindAck); !tpl.Default {
			t.Error("reset kept the override")
		}
	})
}

func TestDeactivatedRequesterGetsNothing(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		tk := apptest.Ticket(t, e.s, e.agent)
		e.drain()
		admin := apptest.User(t, e.s, user.RoleAdmin, "")
		off := false
		if _, err := e.s.Users.Update(ctx, admin, tk.Requester.ID, user.Patch{Active: &off}); err != nil {
			t.Fatal(err)
		}
		e.reply(e.agent, tk, ticket.NewReply{Body: "Anyone there?"})
		if got := e.drain(); len(got) != 0 {
			t.Errorf("%d emails to a deactivated requester", len(got))
		}
	})
}

// delivery returns the one email of message m.
func (e *env) delivery(m *ticket.Message) outbox.Delivery {
	e.t.Helper()
	ds, err := e.store.StatusForMessage(ctx, m.ID)
	if err != nil || len(ds) != 1 {
		e.t.Fatalf("deliveries of message %d: %+v, %v", m.ID, ds, err)
	}
	return ds[0]
}

func TestHookFailureRollsBackReply(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		tk := apptest.Ticket(t, e.s, e.agent)
		e.drain()
		before, jobs := e.outboxRows(tk.ID), e.countJobs()
		e.n.SetBeforeEnqueue(func() error { return errors.New("outbox full") })
		if _, err := e.s.Tickets.Reply(ctx, e.agent, tk.Number, ticket.NewReply{Body: "lost"}); err == nil {
			t.Fatal("a reply whose outbox write failed was accepted")
		}
		e.n.SetBeforeEnqueue(nil)
		if msgs, _ := e.s.Tickets.Messages(ctx, e.agent, tk.Number, 0, 50); len(msgs) != 1 {
			t.Errorf("%d messages after a failed outbox write, want 1", len(msgs))
		}
		if n := e.outboxRows(tk.ID); n != before {
			t.Errorf("%d outbox rows, want %d", n, before)
		}
		if n := e.countJobs(); n != jobs {
			t.Errorf("%d send jobs, want %d", n, jobs)
		}
	})
}

func TestRolledBackWriteLeavesNoEmail(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		tk := apptest.Ticket(t, e.s, e.agent)
		e.drain()
		before, jobs := e.outboxRows(tk.ID), e.countJobs()
		fail := false
		// A later hook fails after the Notifier wrote its row.
		e.s.Tickets.OnWrite(func(context.Context, *db.Tx, ticket.Write) error {
			if fail {
				return errors.New("later hook failed")
			}
			return nil
		})
		fail = true
		if _, err := e.s.Tickets.Reply(ctx, e.agent, tk.Number, ticket.NewReply{Body: "lost"}); err == nil {
			t.Fatal("a rolled-back reply was accepted")
		}
		if n := e.outboxRows(tk.ID); n != before {
			t.Errorf("%d outbox rows after rollback, want %d", n, before)
		}
		if n := e.countJobs(); n != jobs {
			t.Errorf("%d send jobs after rollback, want %d: the job must be in the write's transaction", n, jobs)
		}
		if got := e.drain(); len(got) != 0 {
			t.Errorf("a rolled-back reply sent %d emails", len(got))
		}
	})
}

func TestReplyToken(t *testing.T) {
	uid := "0f8fad5b-d9cb-469f-a165-70867728950e"
	tok := outbox.ReplyToken(uid)
	for _, tc := range []struct {
		local string
		ok    bool
	}{
		{"support+" + tok, true},
		{"Support+" + strings.ToUpper(tok), true},
		{"support", false},
		{"support+abc", false},
		{"support+" + tok[:31] + "g", false},
	} {
		got, ok := outbox.ParseReplyToken(tc.local)
		if ok != tc.ok || ok && outbox.UIDFromToken(got) != uid {
			t.Errorf("outbox.ParseReplyToken(%q) = %q, %v", tc.local, got, ok)
		}
	}
	if got := outbox.ReplyAddress("help@example.com", uid); got != "help+"+tok+"@example.com" {
		t.Errorf("outbox.ReplyAddress = %q", got)
	}
}

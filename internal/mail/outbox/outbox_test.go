package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
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
	sender := outbox.NewSender(store, outbox.SenderOptions{Now: e.clock.Now,
		SMTP: func(context.Context, string) (outbox.SMTP, error) {
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
		if !strings.Contains(r.Text, "Have you tried **turning it off**?") {
			t.Errorf("text part %q", r.Text)
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

		// Assignment: the new assignee hears, with Auto-Submitted.
		other := apptest.User(t, e.s, user.RoleAgent, "")
		email := other.Email
		if _, err := e.s.Tickets.Update(ctx, e.agent, tk.Number, ticket.Patch{Assignee: &email}, 0); err != nil {
			t.Fatal(err)
		}
		r := one(t, e.drain())
		if r.Rcpts[0] != other.Email || r.Header.Get("Auto-Submitted") != "auto-generated" ||
			!strings.HasPrefix(r.Header.Get("Subject"), tag) || !strings.Contains(r.Text, "/tickets/") {
			t.Errorf("assignment notice %v %v %q", r.Rcpts, r.Header, r.Text)
		}
		// Assigning to oneself tells nobody.
		mine := e.agent.Email
		if _, err := e.s.Tickets.Update(ctx, e.agent, tk.Number, ticket.Patch{Assignee: &mine}, 0); err != nil {
			t.Fatal(err)
		}
		if got := e.drain(); len(got) != 0 {
			t.Errorf("self-assignment sent %d emails", len(got))
		}
		if _, err := e.s.Tickets.Update(ctx, e.agent, tk.Number, ticket.Patch{Assignee: &email}, 0); err != nil {
			t.Fatal(err)
		}
		e.drain()

		// The requester writes: the assignee hears.
		req := e.requester(tk)
		e.reply(req, tk, ticket.NewReply{Body: "Still broken.", Channel: ticket.ChannelPortal})
		r = one(t, e.drain())
		if r.Rcpts[0] != other.Email || !strings.Contains(r.Text, "Still broken.") || r.Header.Get("Auto-Submitted") != "auto-generated" {
			t.Errorf("requester notice %v %q", r.Rcpts, r.Text)
		}

		// Resolution: the requester hears, with a satisfaction link.
		st, res := ticket.StatusResolved, ticket.ResolutionFixed
		if _, err := e.s.Tickets.Update(ctx, e.agent, tk.Number, ticket.Patch{Status: &st, Resolution: &res}, 0); err != nil {
			t.Fatal(err)
		}
		r = one(t, e.drain())
		if r.Rcpts[0] != tk.Requester.Email || r.Header.Get("Auto-Submitted") != "auto-generated" ||
			r.Header.Get("Subject") != tag+"Resolved: "+tk.Subject ||
			!strings.Contains(r.Text, "https://help.docket.test/satisfaction/"+outbox.ReplyToken(tk.UID)) || r.HTML == "" {
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
		if tpl, err := tpls.Get(ctx, outbox.KindAck); err != nil || tpl.Default || tpl.Body != "Thanks {{.Recipient.Name}}!" {
			t.Fatalf("Get = %+v, %v", tpl, err)
		}
		tk := apptest.Ticket(t, e.s, e.agent)
		r := one(t, e.drain())
		if r.Header.Get("Subject") != "["+tk.Reference+"] Got it: "+tk.Subject || !strings.Contains(r.Text, "Thanks Req!") {
			t.Errorf("override not used: %q %q", r.Header.Get("Subject"), r.Text)
		}
		if err := tpls.Reset(ctx, apptest.Setup, outbox.KindAck); err != nil {
			t.Fatal(err)
		}
		if tpl, _ := tpls.Get(ctx, outbox.KindAck); !tpl.Default {
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

// A temporary failure (4xx) is retried by the job runner after the
// outbox's backoff — 30 s, then twice as long each time — under the same
// Message-ID, and the row shows the attempts and the last error meanwhile.
func TestTemporaryFailureRetriesWithSameMessageID(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		tk := apptest.Ticket(t, e.s, e.agent)
		e.drain()
		e.sink.failNext(451, 452)
		m := e.reply(e.agent, tk, ticket.NewReply{Body: "Try this."})
		if got := e.drain(); len(got) != 0 {
			t.Fatalf("%d emails despite 451", len(got))
		}
		dl := e.delivery(m)
		if dl.Status != outbox.StatusQueued || dl.Attempts != 1 || !strings.Contains(dl.LastError, "451") ||
			dl.NextAttemptAt.Before(e.clock.Now().Add(25*time.Second)) {
			t.Fatalf("after 451: %+v", dl)
		}
		if j := e.sendJob(dl.ID); j.State != job.Retryable || j.Attempt != 1 || !strings.Contains(j.LastError, "451") {
			t.Fatalf("send job after 451: %+v", j)
		}
		// Not before the backoff: 30 s after the first failure, 1 min
		// after the second.
		for i, wait := range []time.Duration{30 * time.Second, time.Minute} {
			e.clock.Advance(wait - 5*time.Second)
			if got := e.drain(); len(got) != 0 {
				t.Fatalf("retry %d came before its backoff of %s", i+1, wait)
			}
			if dl := e.delivery(m); dl.Attempts != i+1 {
				t.Fatalf("retry %d came before its backoff of %s: %+v", i+1, wait, dl)
			}
			e.clock.Advance(5 * time.Second)
			if i == 0 {
				if got := e.drain(); len(got) != 0 {
					t.Fatalf("%d emails despite 452", len(got))
				}
				if dl := e.delivery(m); dl.Attempts != 2 || !strings.Contains(dl.LastError, "452") {
					t.Fatalf("after 452: %+v", dl)
				}
			}
		}
		r := one(t, e.drain())
		dl = e.delivery(m)
		if dl.Status != outbox.StatusSent || dl.Attempts != 3 || msgID(r) != dl.RFC822MessageID || dl.LastError != "" {
			t.Fatalf("after retry: %+v, got Message-ID %s", dl, msgID(r))
		}
		if j := e.sendJob(dl.ID); j.State != job.Completed || j.Attempt != 3 {
			t.Fatalf("send job after retries: %+v", j)
		}
	})
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
		16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for i, w := range want {
		if got := outbox.Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %s, want %s", i+1, got, w)
		}
	}
}

// A permanent failure (5xx) fails the email and its job at once.
func TestPermanentFailureFailsAtOnce(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		tk := apptest.Ticket(t, e.s, e.agent)
		e.drain()
		e.sink.failNext(554)
		m := e.reply(e.agent, tk, ticket.NewReply{Body: "Try this."})
		e.drain()
		e.clock.Advance(time.Hour)
		if got := e.drain(); len(got) != 0 {
			t.Fatalf("a permanently failed email was sent later")
		}
		dl := e.delivery(m)
		if dl.Status != outbox.StatusFailed || dl.Attempts != 1 || !strings.Contains(dl.LastError, "554") {
			t.Fatalf("after 554: %+v", dl)
		}
		j := e.sendJob(dl.ID)
		if j.State != job.Failed || j.Attempt != 1 {
			t.Fatalf("send job after 554: %+v", j)
		}
		// The address is fixed; an admin retries the job (Admin → Jobs):
		// the email goes out, under the Message-ID it always had.
		if err := e.jobs.RetryNow(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
		got := e.drain()
		if len(got) != 1 || !strings.Contains(got[0].Header.Get("Message-ID"), dl.RFC822MessageID) {
			t.Fatalf("after the retry: %d emails sent, want the failed one under %s", len(got), dl.RFC822MessageID)
		}
		if dl := e.delivery(m); dl.Status != outbox.StatusSent || dl.Attempts != 1 {
			t.Fatalf("after the retry: %+v", dl)
		}
	})
}

// After MaxAttempts temporary failures the email fails with the last reason.
func TestTooManyTemporaryFailuresFail(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		tk := apptest.Ticket(t, e.s, e.agent)
		e.drain()
		codes := make([]int, outbox.MaxAttempts+1)
		for i := range codes {
			codes[i] = 421
		}
		e.sink.failNext(codes...)
		m := e.reply(e.agent, tk, ticket.NewReply{Body: "Try this."})
		for i := range outbox.MaxAttempts {
			e.drain()
			if dl := e.delivery(m); dl.Attempts != i+1 || dl.Status != outbox.StatusQueued && i+1 < outbox.MaxAttempts {
				t.Fatalf("after attempt %d: %+v", i+1, dl)
			}
			e.clock.Advance(outbox.Backoff(i + 1))
		}
		e.drain()
		dl := e.delivery(m)
		if dl.Status != outbox.StatusFailed || dl.Attempts != outbox.MaxAttempts || !strings.Contains(dl.LastError, "421") {
			t.Fatalf("after %d × 421: %+v", outbox.MaxAttempts, dl)
		}
		if j := e.sendJob(dl.ID); j.State != job.Failed || j.Attempt != outbox.MaxAttempts {
			t.Fatalf("send job: %+v", j)
		}
	})
}

// TestCrashAfterSendResends: the instance sending an email dies after the
// SMTP server took it but before "sent" was written. While its job's lease
// is live nobody else sends it; once the lease runs out, another instance's
// runner rescues the job and sends the email again with the same
// Message-ID. At-least-once delivery with a stable Message-ID is the
// guarantee.
func TestCrashAfterSendResends(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		tk := apptest.Ticket(t, e.s, e.agent)
		e.drain()
		// Runner a "dies" right after the SMTP transaction: its handler
		// never returns, so it records nothing.
		delivered, block := make(chan struct{}, 1), make(chan struct{})
		e.sender.SetAfterDeliver(func() { delivered <- struct{}{}; <-block })
		t.Cleanup(func() {
			select {
			case <-block:
			default:
				close(block)
			}
		})
		m := e.reply(e.agent, tk, ticket.NewReply{Body: "Try this."})
		select {
		case <-delivered:
		case <-time.After(10 * time.Second):
			t.Fatal("the email was not sent")
		}
		first := one(t, e.sink.take())
		dl := e.delivery(m)
		if dl.Status != outbox.StatusSending || dl.Attempts != 1 {
			t.Fatalf("while a hangs: %+v", dl)
		}
		// Another instance, b, leaves it alone while a's lease is live.
		_, _, b := e.newRunner("b")
		e.start(b)
		e.clock.Advance(20 * time.Second)
		b.Tick(ctx)
		time.Sleep(100 * time.Millisecond)
		if got := e.sink.take(); len(got) != 0 {
			t.Fatal("an email under a live lease was sent again")
		}
		// a is gone (kill -9): it renews no lease any more, they run out
		// and b takes over.
		e.cancel()
		time.Sleep(50 * time.Millisecond) // a renewal under way ends
		e.clock.Advance(2 * time.Minute)
		b.Tick(ctx)
		e.waitFor("b to resend the email", func() bool { return e.sendJob(dl.ID).State == job.Completed })
		again := one(t, e.sink.take())
		if msgID(again) != msgID(first) || again.Header.Get("Subject") != first.Header.Get("Subject") {
			t.Errorf("resent as %s, first sent as %s", msgID(again), msgID(first))
		}
		if dl := e.delivery(m); dl.Status != outbox.StatusSent || dl.Attempts != 2 {
			t.Fatalf("after resend: %+v", dl)
		}
		// a wakes up late: it changes nothing and sends nothing more.
		close(block)
		e.stop()
		if dl := e.delivery(m); dl.Status != outbox.StatusSent || dl.Attempts != 2 {
			t.Fatalf("after a's late return: %+v", dl)
		}
		if j := e.sendJob(dl.ID); j.State != job.Completed || j.Attempt != 2 || j.LockedBy != "b" {
			t.Fatalf("send job: %+v", j)
		}
		if got := e.sink.take(); len(got) != 0 {
			t.Fatalf("%d more emails", len(got))
		}
	})
}

// An email already sent is not sent again when its job runs once more.
func TestSentEmailIsNotSentAgain(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		tk := apptest.Ticket(t, e.s, e.agent)
		e.drain()
		m := e.reply(e.agent, tk, ticket.NewReply{Body: "Try this."})
		one(t, e.drain())
		dl := e.delivery(m)
		id, err := e.jobs.InsertNow(ctx, job.New{Kind: outbox.SendJob, Args: outbox.SendArgs{OutboxID: dl.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if got := e.drain(); len(got) != 0 {
			t.Fatalf("a sent email went again (%d)", len(got))
		}
		if j, _ := e.jobs.Get(ctx, id); j.State != job.Completed {
			t.Fatalf("second send job: %+v", j)
		}
		if after := e.delivery(m); after.Status != outbox.StatusSent || after.Attempts != 1 || !after.SentAt.Equal(*dl.SentAt) {
			t.Fatalf("after a second job: %+v", after)
		}
	})
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

// Reconcile settles the emails waiting without a send job: one queued by
// a version that sent without jobs gets a job and goes; one whose job was
// cancelled, or failed because its runner died during the last attempt,
// fails with the reason; one with its job waiting is left alone.
func TestReconcile(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		tk := apptest.Ticket(t, e.s, e.agent)
		e.drain()
		e.stop() // nothing is sent until b below
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := d.W.ExecContext(ctx, d.Rebind(q), args...); err != nil {
				t.Fatal(err)
			}
		}
		old := e.delivery(e.reply(e.agent, tk, ticket.NewReply{Body: "written by an older version"}))
		exec(`DELETE FROM jobs WHERE id = $1`, e.sendJob(old.ID).ID)
		cancelled := e.delivery(e.reply(e.agent, tk, ticket.NewReply{Body: "cancelled"}))
		if err := e.jobs.Cancel(ctx, e.sendJob(cancelled.ID).ID); err != nil {
			t.Fatal(err)
		}
		const died = "the runner stopped while running it (crash or kill); retried"
		crashed := e.delivery(e.reply(e.agent, tk, ticket.NewReply{Body: "crashed"}))
		exec(`UPDATE outbox SET status = 'sending', attempts = $2 WHERE id = $1`, crashed.ID, outbox.MaxAttempts)
		exec(`UPDATE jobs SET state = 'failed', attempt = max_attempts, last_error = $2, finished_at = $3 WHERE id = $1`,
			e.sendJob(crashed.ID).ID, died, db.Now())
		waiting := e.delivery(e.reply(e.agent, tk, ticket.NewReply{Body: "waiting"}))
		jobs := e.countJobs()

		queued, failed, err := e.store.Reconcile(ctx)
		if err != nil || queued != 1 || failed != 2 {
			t.Fatalf("Reconcile = %d queued, %d failed, %v; want 1, 2", queued, failed, err)
		}
		if queued, failed, err := e.store.Reconcile(ctx); err != nil || queued+failed != 0 {
			t.Fatalf("Reconcile again = %d queued, %d failed, %v; want nothing", queued, failed, err)
		}
		if n := e.countJobs(); n != jobs+1 {
			t.Fatalf("%d send jobs, want %d", n, jobs+1)
		}
		for _, c := range []struct {
			id     int64
			reason string
		}{{cancelled.ID, "sending was cancelled"}, {crashed.ID, died}} {
			if dl, _ := e.store.Get(ctx, c.id); dl.Status != outbox.StatusFailed || dl.LastError != c.reason {
				t.Errorf("email %d: %+v, want failed: %s", c.id, dl, c.reason)
			}
		}
		_, _, b := e.newRunner("b")
		e.start(b)
		var got []*received
		e.waitFor("two emails", func() bool {
			got = append(got, e.drain()...)
			return len(got) >= 2
		})
		ids := map[string]bool{msgID(got[0]): true, msgID(got[1]): true}
		if len(got) != 2 || !ids[old.RFC822MessageID] || !ids[waiting.RFC822MessageID] {
			t.Fatalf("sent %v, want the old and the waiting email", ids)
		}
		for _, id := range []int64{old.ID, waiting.ID} {
			if dl, _ := e.store.Get(ctx, id); dl.Status != outbox.StatusSent || dl.Attempts != 1 {
				t.Errorf("email %d: %+v", id, dl)
			}
		}
	})
}

// Pruning deletes the emails sent before the cutoff and keeps newer ones,
// failed ones (they explain what did not arrive) and waiting ones.
func TestPruneSent(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		tk := apptest.Ticket(t, e.s, e.agent)
		e.drain()
		sentOld := e.reply(e.agent, tk, ticket.NewReply{Body: "sent long ago"})
		sentNew := e.reply(e.agent, tk, ticket.NewReply{Body: "sent lately"})
		e.drain()
		e.sink.failNext(550)
		failed := e.reply(e.agent, tk, ticket.NewReply{Body: "refused"})
		e.drain()
		e.stop()
		waiting := e.reply(e.agent, tk, ticket.NewReply{Body: "not sent yet"})
		now := time.Now()
		month := 30 * 24 * time.Hour
		for m, age := range map[*ticket.Message]time.Duration{sentOld: month + time.Hour, sentNew: month - time.Hour,
			failed: 2 * month, waiting: 2 * month} {
			at := now.Add(-age).UnixMicro()
			if _, err := d.W.ExecContext(ctx, d.Rebind(`UPDATE outbox SET created_at = CAST($2 AS BIGINT), sent_at = CASE WHEN sent_at IS NULL THEN NULL ELSE CAST($2 AS BIGINT) END
				WHERE message_id = $1`), m.ID, at); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.store.PruneSent(ctx, now.Add(-month)); err != nil {
			t.Fatal(err)
		}
		for m, want := range map[*ticket.Message]int{sentOld: 0, sentNew: 1, failed: 1, waiting: 1} {
			if ds, err := e.store.StatusForMessage(ctx, m.ID); err != nil || len(ds) != want {
				t.Errorf("message %q: %d emails left (%v), want %d", m.Body, len(ds), err, want)
			}
		}
	})
}

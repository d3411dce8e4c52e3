package outbox_test

import (
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/ticket"
)

// Delivery: retries, crashes, reconciling rows with their jobs, pruning.

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

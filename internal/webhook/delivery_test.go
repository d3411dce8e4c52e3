package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/webhook"
)

// A receiver verifies the HMAC of each delivery and gets the documented
// payload; the delivery log records the status code and response time.
func TestSignedDelivery(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s, admin := services(t, d, webhook.Options{})
		rcv := newReceiver(t, nil)
		w := hook(t, s, admin, rcv.URL+"/hook", event.TicketCreated)
		agent := apptest.User(t, s, user.RoleAgent, "")
		tk := apptest.Ticket(t, s, agent)
		eventually(t, 10*time.Second, "the delivery", func() bool { return len(rcv.requests()) == 1 })
		got := rcv.requests()[0]
		if !got.signatureOK {
			t.Fatal("the receiver could not verify Docket-Signature over Docket-Timestamp and the body")
		}
		p := got.payload
		if p.Kind != event.TicketCreated || got.event != event.TicketCreated || p.ID == 0 || p.Ticket == nil ||
			*p.Ticket != tk.Number || p.Subject.Type != "ticket" || p.Actor.Type != event.ActorUser ||
			p.Actor.ID != agent.ID || p.At.IsZero() || !strings.Contains(string(p.Data), fmt.Sprintf(`"number":%d`, tk.Number)) {
			t.Fatalf("payload = %+v (data %s)", p, p.Data)
		}
		var ds []*webhook.Delivery
		eventually(t, 5*time.Second, "the delivery to be recorded", func() bool {
			ds = deliveries(t, s, admin, w.ID)
			return len(ds) == 1 && ds[0].State == webhook.Succeeded
		})
		if dl := ds[0]; dl.StatusCode != 200 || dl.Attempts != 1 || dl.EventID != p.ID || got.delivery != fmt.Sprint(dl.ID) ||
			dl.Ticket != tk.Number || dl.ResponseExcerpt != `{"ok":true}` || dl.FinishedAt == nil {
			t.Fatalf("delivery = %+v", dl)
		}
		// Finished deliveries are pruned once old enough.
		if n, err := s.Webhooks.Prune(context.Background(), time.Now().Add(-time.Hour)); err != nil || n != 0 {
			t.Fatalf("prune of nothing old: %d, %v", n, err)
		}
		if n, err := s.Webhooks.Prune(context.Background(), time.Now().Add(time.Hour)); err != nil || n != 1 ||
			len(deliveries(t, s, admin, w.ID)) != 0 {
			t.Fatalf("prune: %d, %v", n, err)
		}
		// With the wrong secret the signature does not verify.
		if webhook.Sign("another secret entirely", 1, []byte("{}")) == webhook.Sign(testSecret, 1, []byte("{}")) {
			t.Fatal("the signature does not depend on the secret")
		}
	})
}

// Deliveries of one ticket arrive in the order of its events, even when
// the receiver is slow and several tickets' deliveries run at once.
func TestOrderPerTicket(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s, admin := services(t, d, webhook.Options{})
		rcv := newReceiver(t, func(n int) int { time.Sleep(time.Duration(n%3) * 5 * time.Millisecond); return 200 })
		hook(t, s, admin, rcv.URL, webhook.All)
		agent := apptest.User(t, s, user.RoleAgent, "")
		const tickets, updates = 4, 6
		var wg sync.WaitGroup
		for i := 0; i < tickets; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tk := apptest.Ticket(t, s, agent)
				for u := 0; u < updates; u++ {
					p := fmt.Sprintf("p%d", 1+u%4)
					if _, err := s.Tickets.Update(context.Background(), agent, tk.Number, ticket.Patch{Priority: &p}, 0); err != nil {
						t.Errorf("update: %v", err)
					}
				}
			}()
		}
		wg.Wait()
		eventually(t, 20*time.Second, "every ticket event", func() bool {
			n := 0
			for _, r := range rcv.requests() {
				if r.payload.Ticket != nil {
					n++
				}
			}
			return n >= tickets*(1+updates)
		})
		last := map[int64]int64{}
		for _, r := range rcv.requests() {
			if r.payload.Ticket == nil {
				continue
			}
			n := *r.payload.Ticket
			if r.payload.ID <= last[n] {
				t.Fatalf("ticket %d: event %d arrived after event %d", n, r.payload.ID, last[n])
			}
			last[n] = r.payload.ID
		}
	})
}

// A receiver failing twice gets the delivery a third time, after delays
// that grow: the first retry after FirstRetry, the second after twice that.
func TestRetryWithBackoff(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		const first = 300 * time.Millisecond
		s, admin := services(t, d, webhook.Options{FirstRetry: first})
		rcv := newReceiver(t, func(n int) int {
			if n <= 2 {
				return http.StatusServiceUnavailable
			}
			return http.StatusNoContent
		})
		w := hook(t, s, admin, rcv.URL, event.TicketCreated)
		apptest.Ticket(t, s, apptest.User(t, s, user.RoleAgent, ""))
		var ds []*webhook.Delivery
		eventually(t, 15*time.Second, "the third attempt to succeed", func() bool {
			ds = deliveries(t, s, admin, w.ID)
			return len(ds) == 1 && ds[0].State == webhook.Succeeded
		})
		got := rcv.requests()
		if len(got) != 3 || ds[0].Attempts != 3 || ds[0].StatusCode != http.StatusNoContent || ds[0].Error != "" {
			t.Fatalf("%d requests, delivery %+v", len(got), ds[0])
		}
		if gap := got[1].at.Sub(got[0].at); gap < first {
			t.Fatalf("first retry after %v, want at least %v", gap, first)
		}
		if gap := got[2].at.Sub(got[1].at); gap < 2*first {
			t.Fatalf("second retry after %v, want at least %v", gap, 2*first)
		}
		if got[0].payload.ID != got[2].payload.ID || got[0].delivery != got[2].delivery {
			t.Fatal("a retry must carry the same event and delivery ids")
		}
	})
}

// A webhook still failing at the end of the retry window is disabled: the
// reason is stored, the audit log has webhook.disabled, admins get an
// email. Enabling it again and redelivering sends the event.
func TestDisableAfterRetryWindow(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, admin := services(t, d, webhook.Options{FirstRetry: 100 * time.Millisecond, RetryWindow: time.Second})
		if _, err := s.Mailboxes.Create(ctx, admin, mailbox.Input{Address: ptr("help@example.test"),
			SMTP: mailbox.ServerInput{Host: ptr("smtp.example.test")}}); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		healthy := false
		rcv := newReceiver(t, func(int) int {
			mu.Lock()
			defer mu.Unlock()
			if healthy {
				return 200
			}
			return http.StatusInternalServerError
		})
		w := hook(t, s, admin, rcv.URL, event.TicketCreated, event.TicketUpdated)
		agent := apptest.User(t, s, user.RoleAgent, "")
		tk := apptest.Ticket(t, s, agent)
		// The update's delivery waits in the chain behind the failing one.
		if _, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Priority: ptr("p1")}, 0); err != nil {
			t.Fatal(err)
		}
		eventually(t, 15*time.Second, "the webhook to be disabled", func() bool {
			got, err := s.Webhooks.Get(ctx, admin, w.ID)
			return err == nil && !got.Enabled
		})
		got, err := s.Webhooks.Get(ctx, admin, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got.DisabledReason, "500 Internal Server Error") || got.DisabledAt == nil {
			t.Fatalf("disabled reason %q at %v", got.DisabledReason, got.DisabledAt)
		}
		ds := deliveries(t, s, admin, w.ID) // newest first
		if len(ds) != 2 || ds[1].State != webhook.Failed || ds[1].Attempts < 2 || ds[1].StatusCode != 500 ||
			ds[0].State != webhook.Pending || ds[0].Attempts != 0 {
			t.Fatalf("deliveries = %+v, %+v", ds[0], ds[1])
		}
		waiting, failed := ds[0], ds[1]
		ds = []*webhook.Delivery{failed}
		var audited, emails int
		if err := d.R.QueryRowContext(ctx, d.Rebind(`SELECT COUNT(*) FROM domain_events WHERE kind = $1 AND subject_id = $2`),
			webhook.EventDisabled, w.ID).Scan(&audited); err != nil || audited != 1 {
			t.Fatalf("webhook.disabled events = %d (%v)", audited, err)
		}
		if err := d.R.QueryRowContext(ctx, d.Rebind(`SELECT COUNT(*) FROM outbox WHERE kind = $1 AND to_addrs LIKE $2`),
			webhook.KindDisabledNotice, "%"+admin.Email+"%").Scan(&emails); err != nil || emails != 1 {
			t.Fatalf("notice emails to the admin = %d (%v)", emails, err)
		}
		// Redelivery waits for the webhook to be enabled.
		if _, err := s.Webhooks.Redeliver(ctx, admin, w.ID, ds[0].ID); err == nil {
			t.Fatal("redelivered to a disabled webhook")
		}
		mu.Lock()
		healthy = true
		mu.Unlock()
		if got, err = s.Webhooks.Update(ctx, admin, w.ID, webhook.Input{Enabled: ptr(true)}); err != nil || !got.Enabled ||
			got.DisabledReason != "" {
			t.Fatalf("enable: %+v, %v", got, err)
		}
		eventually(t, 10*time.Second, "the waiting delivery to resume", func() bool {
			dl, err := s.Webhooks.Delivery(ctx, admin, w.ID, waiting.ID)
			return err == nil && dl.State == webhook.Succeeded
		})
		again, err := s.Webhooks.Redeliver(ctx, admin, w.ID, ds[0].ID)
		if err != nil || again.RedeliveryOf != ds[0].ID || again.EventID != ds[0].EventID {
			t.Fatalf("redeliver: %+v, %v", again, err)
		}
		eventually(t, 10*time.Second, "the redelivery", func() bool {
			dl, err := s.Webhooks.Delivery(ctx, admin, w.ID, again.ID)
			return err == nil && dl.State == webhook.Succeeded && dl.StatusCode == 200
		})
	})
}

// A failure the receiver gave while an admin changed the webhook (mended
// it, or enabled it again) does not disable the webhook as changed: the
// disable applies to the webhook the attempt was sent with. An attempt in
// flight when an admin re-enabled a disabled webhook disabled it again a
// moment later (TestAdminWebhooks saw it once in CI).
func TestChangeDuringAttemptKeepsWebhook(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, admin := services(t, d, webhook.Options{FirstRetry: time.Millisecond, RetryWindow: time.Millisecond})
		var mu sync.Mutex
		var id int64
		rcv := newReceiver(t, func(int) int {
			mu.Lock()
			defer mu.Unlock()
			// The admin edits it while the attempt is on its way.
			if _, err := s.Webhooks.Update(ctx, admin, id, webhook.Input{Events: &[]string{event.TicketCreated, event.TicketUpdated}}); err != nil {
				t.Error(err)
			}
			return http.StatusBadGateway
		})
		mu.Lock()
		w := hook(t, s, admin, rcv.URL, event.TicketCreated)
		id = w.ID
		mu.Unlock()
		apptest.Ticket(t, s, apptest.User(t, s, user.RoleAgent, ""))
		eventually(t, 10*time.Second, "the delivery to fail", func() bool {
			ds := deliveries(t, s, admin, w.ID)
			return len(ds) == 1 && ds[0].State == webhook.Failed
		})
		got, err := s.Webhooks.Get(ctx, admin, w.ID)
		if err != nil || !got.Enabled || got.DisabledReason != "" {
			t.Fatalf("after a failure sent before the admin's edit: %+v, %v; want it enabled", got, err)
		}
	})
}

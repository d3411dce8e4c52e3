package webhook_test

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/webhook"
)

const testSecret = "a test secret, long enough"

// received is one request a receiver got, its signature checked.
type received struct {
	payload     webhook.Payload
	delivery    string
	event       string
	signatureOK bool
	at          time.Time
}

// receiver is a local HTTP endpoint standing in for an integrator's.
// answer decides each response's status from the request count (1, 2, …).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	answer func(n int) int
}

func newReceiver(t *testing.T, answer func(n int) int) *receiver {
	t.Helper()
	r := &receiver{answer: answer}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		ts, _ := strconv.ParseInt(req.Header.Get("Docket-Timestamp"), 10, 64)
		want := webhook.Sign(testSecret, ts, body)
		rc := received{delivery: req.Header.Get("Docket-Delivery"), event: req.Header.Get("Docket-Event"), at: time.Now(),
			signatureOK: hmac.Equal([]byte(want), []byte(req.Header.Get("Docket-Signature"))) &&
				time.Since(time.Unix(ts, 0)) < time.Minute}
		_ = json.Unmarshal(body, &rc.payload)
		r.mu.Lock()
		r.got = append(r.got, rc)
		n := len(r.got)
		r.mu.Unlock()
		status := http.StatusOK
		if r.answer != nil {
			status = r.answer(n)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// services builds Docket over d with webhook options o.
func services(t *testing.T, d *db.DB, o webhook.Options) (*app.Services, *user.Actor) {
	t.Helper()
	s := apptest.ServicesWith(t, d, func(s *app.Services) { s.Webhooks.Configure(o) })
	return s, apptest.User(t, s, user.RoleAdmin, "")
}

func ptr[T any](v T) *T { return &v }

// hook registers a webhook to url for kinds, with the loopback receiver
// allowed explicitly.
func hook(t *testing.T, s *app.Services, admin *user.Actor, url string, kinds ...string) *webhook.Webhook {
	t.Helper()
	w, err := s.Webhooks.Create(context.Background(), admin, webhook.Input{URL: &url, Events: &kinds,
		Secret: ptr(testSecret), AllowPrivateHost: ptr(true)})
	if err != nil {
		t.Fatalf("create webhook: %v", err)
	}
	return w
}

// eventually polls cond until it holds or the time is up.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func deliveries(t *testing.T, s *app.Services, admin *user.Actor, id int64) []*webhook.Delivery {
	t.Helper()
	ds, err := s.Webhooks.Deliveries(context.Background(), admin, id, 0, 1000)
	if err != nil {
		t.Fatalf("deliveries: %v", err)
	}
	return ds
}

// benchReceiver answers 204 to everything and counts requests.
type benchReceiver struct {
	*httptest.Server
	count atomic.Int64
}

func newBenchReceiver(b *testing.B) *benchReceiver {
	r := &benchReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		r.count.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(r.Close)
	return r
}

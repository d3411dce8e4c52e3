package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/webhook"
)

// URLs that reach loopback, private, link-local, CGNAT, unspecified or
// multicast addresses, or use another scheme, are refused when saved; a
// loopback receiver is accepted only with the explicit permission.
func TestSSRFRefusedAtSave(t *testing.T) {
	d := apptest.DB(t, db.SQLite)
	s, admin := services(t, d, webhook.Options{})
	ctx := context.Background()
	for _, c := range []struct {
		url          string
		allowPrivate bool
		want         string
	}{
		{"http://127.0.0.1:9/hook", false, "loopback"},
		{"http://localhost:9/hook", false, "localhost resolves to it"},
		{"http://[::1]/", false, "loopback"},
		{"http://169.254.169.254/latest/meta-data", false, "link-local"},
		{"http://10.0.0.7/", false, "private"},
		{"https://192.168.0.1/", false, "private"},
		{"http://100.64.1.1/", false, "CGNAT"},
		{"http://0.0.0.0:8080/", true, "unspecified"},
		{"http://224.0.0.1/", true, "multicast"},
		{"ftp://example.com/hook", false, "http:// or https://"},
		{"file:///etc/passwd", true, "http:// or https://"},
		{"https://user:pass@example.com/", false, "user name or password"},
		{"not a url", false, "http:// or https://"},
	} {
		url := c.url
		_, err := s.Webhooks.Create(ctx, admin, webhook.Input{URL: &url, Events: &[]string{webhook.All},
			Secret: ptr(testSecret), AllowPrivateHost: &c.allowPrivate})
		var inv *fault.Invalid
		if !errors.As(err, &inv) || len(inv.Fields) != 1 || inv.Fields[0].Field != "url" ||
			!strings.Contains(inv.Fields[0].Message, c.want) {
			t.Errorf("%s (allow private %v): %v, want a url error saying %q", c.url, c.allowPrivate, err, c.want)
		}
	}
	// The same loopback URL is accepted when an admin allows the host.
	for _, url := range []string{"http://127.0.0.1:9/hook", "http://localhost:9/hook"} {
		if _, err := s.Webhooks.Create(ctx, admin, webhook.Input{URL: &url, Events: &[]string{webhook.All},
			Secret: ptr(testSecret), AllowPrivateHost: ptr(true)}); err != nil {
			t.Errorf("%s with the host allowed: %v", url, err)
		}
	}
	// Withdrawing the permission re-checks the URL.
	ws, _ := s.Webhooks.List(ctx, admin)
	if _, err := s.Webhooks.Update(ctx, admin, ws[0].ID, webhook.Input{AllowPrivateHost: ptr(false)}); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("withdrawing the permission of a loopback webhook: %v", err)
	}
}

// At delivery the address actually dialled is checked: a name that looked
// public when saved and resolves to 127.0.0.1 now (DNS rebinding) is
// refused, and the receiver is never reached. A redirect, even to an
// allowed host, is not followed.
func TestSSRFRefusedAtDelivery(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		public := func(context.Context, string) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
		}
		s, admin := services(t, d, webhook.Options{Lookup: public, FirstRetry: time.Hour})
		ctx := context.Background()
		rcv := newReceiver(t, nil)
		var target atomic.Int64
		inner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { target.Add(1) }))
		t.Cleanup(inner.Close)
		redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, inner.URL+"/internal", http.StatusFound)
		}))
		t.Cleanup(redirect.Close)

		rebinding := strings.Replace(rcv.URL, "127.0.0.1", "localhost", 1)
		w1, err := s.Webhooks.Create(ctx, admin, webhook.Input{URL: &rebinding, Events: &[]string{event.TicketCreated},
			Secret: ptr(testSecret)})
		if err != nil {
			t.Fatalf("save with a name resolving to a public address: %v", err)
		}
		w2 := hook(t, s, admin, redirect.URL, event.TicketCreated)
		apptest.Ticket(t, s, apptest.User(t, s, user.RoleAgent, ""))
		var d1, d2 *webhook.Delivery
		eventually(t, 10*time.Second, "both attempts", func() bool {
			a, b := deliveries(t, s, admin, w1.ID), deliveries(t, s, admin, w2.ID)
			if len(a) == 1 && len(b) == 1 && a[0].Attempts == 1 && b[0].Attempts == 1 {
				d1, d2 = a[0], b[0]
				return true
			}
			return false
		})
		if len(rcv.requests()) != 0 || d1.State != webhook.Pending || d1.StatusCode != 0 ||
			!strings.Contains(d1.Error, "refused to connect to 127.0.0.1") {
			t.Errorf("rebinding: %d requests reached the receiver; delivery %+v", len(rcv.requests()), d1)
		}
		if n, err := s.Webhooks.Prune(ctx, time.Now().Add(time.Hour)); err != nil || n != 0 {
			t.Errorf("pruned %d waiting deliveries (%v)", n, err)
		}
		if target.Load() != 0 || d2.State != webhook.Pending || d2.StatusCode != http.StatusFound ||
			!strings.Contains(d2.Error, "not followed") {
			t.Errorf("redirect: %d requests reached its target; delivery %+v", target.Load(), d2)
		}
	})
}

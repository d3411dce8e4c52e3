package api_test

import (
	"net/http"
	"net/netip"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/config"
	"github.com/docket/docket/internal/db"
)

// TestRateLimitBehindProxy: failed attempts are limited per client. Behind
// a trusted proxy the client is the address in X-Forwarded-For; from any
// other peer that header is ignored, so forging it does not escape the
// limit.
func TestRateLimitBehindProxy(t *testing.T) {
	t.Parallel()
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
		trusting := apptest.Server(t, d, func(c *config.Config) { c.TrustedProxies = loopback })
		plain := apptest.Server(t, d)
		attempt := func(e *apptest.Env, xff string) int {
			t.Helper()
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, e.URL+"/api/v1/tickets", nil)
			req.Header.Set("Authorization", "Bearer dkt_guessing")
			req.Header.Set("X-Forwarded-For", xff)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		exhaust := func(e *apptest.Env, xff string) {
			t.Helper()
			for range 60 {
				if attempt(e, xff) == http.StatusTooManyRequests {
					return
				}
			}
			t.Fatalf("60 failed attempts from %s were never limited", xff)
		}

		exhaust(trusting, "203.0.113.1")
		if got := attempt(trusting, "203.0.113.2"); got != http.StatusUnauthorized {
			t.Errorf("through a trusted proxy, another client was limited too: %d, want 401", got)
		}
		if got := attempt(trusting, "203.0.113.1"); got != http.StatusTooManyRequests {
			t.Errorf("the limited client: %d, want 429", got)
		}

		exhaust(plain, "203.0.113.1")
		if got := attempt(plain, "203.0.113.2"); got != http.StatusTooManyRequests {
			t.Errorf("a forged X-Forwarded-For from an untrusted peer escaped the limit: %d, want 429", got)
		}
	})
}

package auth_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// TestLinkRequestsAnswerAlike: a link request or sign-up does the same
// work whether or not the address has an account — it queues one job and
// writes no link and no email — so its answer's timing tells nothing.
// (The portal's tests prove the job then sends what it should.)
func TestLinkRequestsAnswerAlike(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// Built, not started: queued jobs stay queued.
		s, err := app.Build(ctx, d, apptest.Config(t), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		adm := apptest.User(t, s, user.RoleAdmin, "")
		if _, err := s.Auth.SetPortalSettings(ctx, adm, auth.PortalSettings{SignUp: auth.SignUpOpen, Domains: []string{}, ReopenDays: 7}); err != nil {
			t.Fatal(err)
		}
		apptest.User(t, s, user.RoleRequester, "known@example.test")
		apptest.User(t, s, user.RoleAgent, "agent@example.test")
		count := func(query string, args ...any) int {
			t.Helper()
			var n int
			if err := d.R.QueryRowContext(ctx, d.Rebind(query), args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, email := range []string{"known@example.test", "agent@example.test", "nobody@example.test"} {
			for _, ask := range []func() error{
				func() error {
					return s.Auth.RequestLink(ctx, auth.LinkRequest{Email: email, IP: "192.0.2.1", Purpose: auth.LinkSignIn})
				},
				func() error {
					return s.Auth.RequestLink(ctx, auth.LinkRequest{Email: email, IP: "192.0.2.1", Purpose: auth.LinkReset})
				},
				func() error { return s.Auth.SignUp(ctx, auth.SignUpRequest{Email: email, IP: "192.0.2.1"}) },
			} {
				jobs := count(`SELECT count(*) FROM jobs WHERE kind = $1`, auth.LinkJob)
				if err := ask(); err != nil {
					t.Fatalf("%s: %v", email, err)
				}
				if n := count(`SELECT count(*) FROM jobs WHERE kind = $1`, auth.LinkJob); n != jobs+1 {
					t.Fatalf("%s: %d link jobs queued, want 1", email, n-jobs)
				}
				if n := count(`SELECT count(*) FROM portal_links`) + count(`SELECT count(*) FROM outbox`); n != 0 {
					t.Fatalf("%s: the request itself wrote %d links or emails", email, n)
				}
			}
		}
	})
}

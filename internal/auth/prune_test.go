package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// Pruning deletes the sessions that ended (past their maximum age, or idle
// too long) and keeps the live ones.
func TestPruneSessions(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := apptest.Services(t, d)
		a := apptest.User(t, s, user.RoleAgent, "")
		now := time.Now()
		start := func(created, seen time.Time) string {
			t.Helper()
			secret, sess, err := s.Auth.StartSession(ctx, a.ID, "test", "127.0.0.1")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.W.ExecContext(ctx, d.Rebind(`UPDATE sessions SET created_at = $2, last_seen_at = $3, expires_at = $4 WHERE id = $1`),
				sess.ID, created.UnixMicro(), seen.UnixMicro(), created.Add(auth.MaxAge).UnixMicro()); err != nil {
				t.Fatal(err)
			}
			return secret
		}
		expired := start(now.Add(-auth.MaxAge-time.Minute), now.Add(-time.Hour))
		idle := start(now.Add(-10*24*time.Hour), now.Add(-auth.IdleTimeout-time.Minute))
		live := start(now.Add(-auth.MaxAge+time.Hour), now.Add(-auth.IdleTimeout+time.Hour))
		fresh := start(now, now)
		if _, err := s.Auth.PruneSessions(ctx, now); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions`).Scan(&n); err != nil || n != 2 {
			t.Fatalf("%d sessions left (%v), want 2", n, err)
		}
		for name, secret := range map[string]string{"live": live, "fresh": fresh} {
			if _, _, err := s.Auth.SessionActor(ctx, secret); err != nil {
				t.Errorf("the %s session was pruned: %v", name, err)
			}
		}
		for name, secret := range map[string]string{"expired": expired, "idle": idle} {
			if _, _, err := s.Auth.SessionActor(ctx, secret); !errors.Is(err, auth.ErrNoSession) {
				t.Errorf("the %s session: %v", name, err)
			}
		}
	})
}

// Pruning deletes the sign-in throttle's counters that no longer count and
// keeps the recent ones and those still slowing sign-ins down.
func TestPruneLoginFailures(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := apptest.Services(t, d)
		now := time.Now()
		insert := func(key string, updated, delayedUntil time.Time) {
			t.Helper()
			if _, err := d.W.ExecContext(ctx, d.Rebind(`INSERT INTO signin_throttle (key, failures, delayed_until, updated_at) VALUES ($1, 7, $2, $3)`),
				key, delayedUntil.UnixMicro(), updated.UnixMicro()); err != nil {
				t.Fatal(err)
			}
		}
		insert("u:old@example.test", now.Add(-25*time.Hour), now.Add(-24*time.Hour))
		insert("u:slowed@example.test", now.Add(-25*time.Hour), now.Add(time.Minute))
		insert("u:recent@example.test", now.Add(-30*time.Minute), now.Add(-time.Minute))
		if _, err := s.Auth.SignIn(ctx, auth.SignInRequest{Email: "fresh@example.test", Password: "wrong password",
			IP: "127.0.0.1"}); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("sign in: %v", err)
		}
		if _, err := s.Auth.PruneLoginFailures(ctx, now.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		rows, err := d.R.QueryContext(ctx, `SELECT key FROM signin_throttle ORDER BY key`)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Collect(rows, func(sc db.Scanner) (string, error) {
			var k string
			return k, sc.Scan(&k)
		})
		want := []string{"a:fresh@example.test 127.0.0.1", "u:fresh@example.test", "u:recent@example.test", "u:slowed@example.test"}
		if err != nil || strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("left %v (%v), want %v", got, err, want)
		}
	})
}

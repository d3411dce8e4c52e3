package auth_test

import (
	"context"
	"errors"
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

// Pruning deletes the failed sign-in records that no longer count and
// keeps the recent ones and those still locking their address.
func TestPruneLoginFailures(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := apptest.Services(t, d)
		now := time.Now()
		insert := func(email string, updated, lockedUntil time.Time) {
			t.Helper()
			if _, err := d.W.ExecContext(ctx, d.Rebind(`INSERT INTO login_failures (email, failures, locked_until, updated_at) VALUES ($1, 7, $2, $3)`),
				email, lockedUntil.UnixMicro(), updated.UnixMicro()); err != nil {
				t.Fatal(err)
			}
		}
		insert("old@example.test", now.Add(-2*time.Hour), now.Add(-time.Hour))
		insert("locked@example.test", now.Add(-2*time.Hour), now.Add(time.Minute))
		insert("recent@example.test", now.Add(-30*time.Minute), now.Add(-time.Minute))
		if _, _, err := s.Auth.SignIn(ctx, "fresh@example.test", "wrong password", "test", "127.0.0.1"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("sign in: %v", err)
		}
		if _, err := s.Auth.PruneLoginFailures(ctx, now.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		rows, err := d.R.QueryContext(ctx, `SELECT email FROM login_failures ORDER BY email`)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Collect(rows, func(sc db.Scanner) (string, error) {
			var e string
			return e, sc.Scan(&e)
		})
		want := []string{"fresh@example.test", "locked@example.test", "recent@example.test"}
		if err != nil || len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Fatalf("left %v (%v), want %v", got, err, want)
		}
	})
}

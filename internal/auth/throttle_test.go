package auth_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/audit"
	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

const rightPassword = "correct horse battery"

type signInTest struct {
	t     *testing.T
	s     *app.Services
	clock *clock
	email string
}

// try signs in to the account from ip with the browser's device token.
func (st *signInTest) try(pw, ip, device string) (*auth.SignedIn, error) {
	st.t.Helper()
	return st.s.Auth.SignIn(context.Background(), auth.SignInRequest{Email: st.email, Password: pw, IP: ip, Device: device})
}

func lockedFor(t *testing.T, err error, c *clock) time.Duration {
	t.Helper()
	var locked *auth.LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("%v, want a LockedError", err)
	}
	return locked.Until.Sub(c.Now())
}

func TestSignInSlowsDownPerAccountAndAddress(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := apptest.Services(t, d)
		c := &clock{now: time.Now().Truncate(time.Microsecond)}
		s.Auth.SetClock(c.Now)
		u, err := s.Users.Create(ctx, apptest.Setup, user.NewUser{Email: "boss@example.test", Name: "Boss", Role: user.RoleAdmin,
			Password: rightPassword})
		if err != nil {
			t.Fatal(err)
		}
		st := &signInTest{t: t, s: s, clock: c, email: u.Email}
		const attacker, home = "198.51.100.7", "203.0.113.5"

		// Five free failures from the attacker's address, then delays that
		// double.
		for i := range auth.FreeFailures {
			if _, err := st.try("guess", attacker, ""); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		if _, err := st.try("guess", attacker, ""); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("sixth failure: %v", err)
		}
		_, err = st.try(rightPassword, attacker, "")
		if d := lockedFor(t, err, c); d != auth.DelayBase {
			t.Fatalf("after the sixth failure the attacker waits %v, want %v", d, auth.DelayBase)
		}
		c.Advance(auth.DelayBase)
		if _, err := st.try("guess", attacker, ""); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("after the delay: %v", err)
		}
		_, err = st.try("guess", attacker, "")
		if d := lockedFor(t, err, c); d != 2*auth.DelayBase {
			t.Fatalf("after the seventh failure the attacker waits %v, want %v", d, 2*auth.DelayBase)
		}

		// The admin, elsewhere, is not locked out.
		in, err := st.try(rightPassword, home, "")
		if err != nil {
			t.Fatalf("the admin signing in from another address: %v", err)
		}
		if in.Device == "" || in.Secret == "" {
			t.Fatalf("sign-in: %+v", in)
		}
		// They are told, once, and the audit log says so.
		if in.Slowed == nil || in.Slowed.Failures != auth.FreeFailures+2 || in.Slowed.LastAddress != attacker {
			t.Fatalf("notice of the slowed sign-ins: %+v", in.Slowed)
		}
		if again, err := st.try(rightPassword, home, ""); err != nil || again.Slowed != nil {
			t.Fatalf("second sign-in: %+v %v, want no notice", again, err)
		}
		entries, _, err := s.Audit.List(ctx, apptest.Setup, audit.Filter{Kind: auth.EventSignInSlowed})
		if err != nil || len(entries) != 1 || entries[0].SubjectID != u.ID {
			t.Fatalf("audit log: %+v %v, want one %s event", entries, err, auth.EventSignInSlowed)
		}
		// The attacker is still slowed down.
		if _, err := st.try(rightPassword, attacker, ""); !errors.As(err, new(*auth.LockedError)) {
			t.Fatalf("the attacker after the admin signed in: %v", err)
		}

		// Guessing from many addresses slows the account down for every
		// browser that has not signed in to it before...
		for i := range auth.AccountFreeFailures {
			if _, err := st.try("guess", fmt.Sprintf("192.0.2.%d", i+1), ""); !errors.Is(err, auth.ErrBadCredentials) &&
				!errors.As(err, new(*auth.LockedError)) {
				t.Fatal(err)
			}
		}
		if _, err := st.try(rightPassword, "203.0.113.99", ""); !errors.As(err, new(*auth.LockedError)) {
			t.Fatalf("a new browser during a spread-out attack: %v, want slowed down", err)
		}
		// ...but not the admin's own browser, nor from another account's
		// device token, nor a made-up one.
		if _, err := st.try(rightPassword, "203.0.113.99", in.Device); err != nil {
			t.Fatalf("the admin's own browser during the attack: %v", err)
		}
		other, err := s.Users.Create(ctx, apptest.Setup, user.NewUser{Email: "other@example.test", Name: "O", Role: user.RoleAgent,
			Password: rightPassword})
		if err != nil {
			t.Fatal(err)
		}
		otherIn, err := (&signInTest{t: t, s: s, clock: c, email: other.Email}).try(rightPassword, home, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, device := range []string{otherIn.Device, "forged", in.Device + "x"} {
			if _, err := st.try(rightPassword, "203.0.113.99", device); !errors.As(err, new(*auth.LockedError)) {
				t.Fatalf("device token %q counted for the admin: %v", device, err)
			}
		}
		// Delays end: a day without failures forgets them.
		c.Advance(25 * time.Hour)
		if _, err := st.try(rightPassword, attacker, ""); err != nil {
			t.Fatalf("a day later: %v", err)
		}
	})
}

// TestSignInThrottleHidesAccounts: an address nobody has is answered
// exactly like one somebody has, and records nothing.
func TestSignInThrottleHidesAccounts(t *testing.T) {
	ctx := context.Background()
	s := apptest.Services(t, apptest.DB(t, db.SQLite))
	if _, err := s.Users.Create(ctx, apptest.Setup, user.NewUser{Email: "real@example.test", Name: "R", Role: user.RoleAgent,
		Password: rightPassword}); err != nil {
		t.Fatal(err)
	}
	outcome := func(email string) []string {
		var out []string
		for range auth.FreeFailures + 2 {
			_, err := s.Auth.SignIn(ctx, auth.SignInRequest{Email: email, Password: "guess", IP: "198.51.100.8"})
			out = append(out, fmt.Sprintf("%T", err))
		}
		return out
	}
	real, ghost := outcome("real@example.test"), outcome("ghost@example.test")
	if fmt.Sprint(real) != fmt.Sprint(ghost) {
		t.Fatalf("an existing account answers %v, a missing one %v", real, ghost)
	}
	entries, _, err := s.Audit.List(ctx, apptest.Setup, audit.Filter{Kind: auth.EventSignInSlowed})
	if err != nil || len(entries) != 1 {
		t.Fatalf("audit: %d entries, %v; want one, for the existing account", len(entries), err)
	}
}

package mail_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/user"
)

// TestSignInSlowedIsMailed: when sign-ins to an account are slowed down,
// its person gets one email saying so, through the mailbox's SMTP server;
// more guesses the same day send no more.
func TestSignInSlowedIsMailed(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := apptest.Services(t, d)
		k, host, port := startSink(t)
		addr, name, tls := "help@example.test", "Help desk", "none"
		if _, err := s.Mailboxes.Create(ctx, apptest.Setup, mailbox.Input{Address: &addr, Name: &name,
			SMTP: mailbox.ServerInput{Host: &host, Port: &port, TLS: &tls}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Users.Create(ctx, apptest.Setup, user.NewUser{Email: "boss@example.test", Name: "Boss", Role: user.RoleAdmin,
			Password: "correct horse battery", Timezone: "Europe/Berlin"}); err != nil {
			t.Fatal(err)
		}
		for range auth.FreeFailures + 3 {
			_, err := s.Auth.SignIn(ctx, auth.SignInRequest{Email: "boss@example.test", Password: "a guess", IP: "198.51.100.7"})
			if !errors.Is(err, auth.ErrBadCredentials) && !errors.As(err, new(*auth.LockedError)) {
				t.Fatal(err)
			}
		}
		msgs := k.wait(t, 1)
		m := strings.ReplaceAll(msgs[0], "=\r\n", "")
		berlin, _ := time.LoadLocation("Europe/Berlin")
		for _, want := range []string{"To: \"Boss\" <boss@example.test>", "Subject: Sign-ins to your Docket account were slowed down",
			"Auto-Submitted: auto-generated", "198.51.100.7", time.Now().In(berlin).Format("MST"), "help@example.test"} {
			if !strings.Contains(m, want) && !strings.Contains(m, strings.ReplaceAll(want, "\"", "")) {
				t.Errorf("the email lacks %q:\n%s", want, m)
			}
		}
		// More guesses slowed down the same day, from elsewhere: no
		// second email.
		for range auth.FreeFailures + 2 {
			_, _ = s.Auth.SignIn(ctx, auth.SignInRequest{Email: "boss@example.test", Password: "a guess", IP: "203.0.113.9"})
		}
		time.Sleep(time.Second)
		k.mu.Lock()
		n := len(k.msgs)
		k.mu.Unlock()
		if n != 1 {
			t.Fatalf("%d emails, want 1", n)
		}
	})
}

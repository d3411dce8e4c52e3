package mail

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/mailbox"
)

// KindSignInSlowed is the outbox kind of the email telling a person that
// sign-ins to their account were slowed down.
const KindSignInSlowed = "signin_slowed"

// SignInAlertMail returns the auth.OnSignInSlowed hook that emails a person
// when sign-ins to their account are slowed down (at most once a day per
// account): someone is guessing their password, and if it was not them
// they should know. The email is queued in the transaction that records
// the slowdown, as the first active mailbox with outbound SMTP settings;
// with none, nothing is sent (the person still sees the notice when they
// next sign in). baseURL, when set, links to the profile.
func SignInAlertMail(mailboxes *mailbox.Service, store *outbox.Store, baseURL string) func(context.Context, *db.Tx, auth.SlowedAlert) error {
	return func(ctx context.Context, tx *db.Tx, a auth.SlowedAlert) error {
		u := a.User
		mbs, err := mailboxes.ListWith(ctx, tx)
		if err != nil {
			return fmt.Errorf("mail: sign-in alert: %w", err)
		}
		var from *mailbox.Mailbox
		for _, m := range mbs {
			if sends(m) {
				from = m
				break
			}
		}
		if from == nil || !u.Active {
			return nil
		}
		loc := time.UTC
		if u.Timezone != "" {
			if l, err := time.LoadLocation(u.Timezone); err == nil {
				loc = l
			}
		}
		name := u.Name
		if name == "" {
			name = u.Email
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Hello %s,\n\n", name)
		fmt.Fprintf(&b, "someone tried wrong passwords for your Docket account %s: at least %d, the last from %s on %s.\n",
			u.Email, a.Failures, a.Address, a.At.In(loc).Format("2 January 2006 at 15:04 MST"))
		b.WriteString("Docket now slows down sign-ins to your account from there; nobody got in with them.\n\n")
		b.WriteString("If that was you, wait a little and sign in again. If it was not, your account is still safe;\n")
		b.WriteString("you may want a stronger password, which you change on your profile")
		if baseURL != "" {
			b.WriteString(": " + strings.TrimRight(baseURL, "/") + "/profile")
		}
		b.WriteString(".\nYou will also see this notice when you next sign in.\n\n-- \nDocket\n")
		domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
		if _, err := store.Enqueue(ctx, tx, &outbox.Email{Kind: KindSignInSlowed, From: outbox.Address{Name: from.Name, Email: from.Address},
			To: []outbox.Address{{Name: u.Name, Email: u.Email}}, Subject: "Sign-ins to your Docket account were slowed down",
			Text: b.String(), Headers: map[string]string{"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}},
			domain); err != nil {
			return fmt.Errorf("mail: sign-in alert: %w", err)
		}
		return nil
	}
}

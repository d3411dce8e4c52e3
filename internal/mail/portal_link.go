package mail

import (
	"context"
	"fmt"
	"strings"

	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/mailbox"
)

// KindPortalLink is the outbox kind of the portal's emailed links: a magic
// sign-in link, a password reset, or the link that finishes a sign-up.
const KindPortalLink = "portal_link"

// PortalLinkMail returns the auth.OnPortalLink hook that emails a portal
// link to a requester, queued through the outbox in the transaction that
// stores the link, as the first active mailbox with outbound SMTP
// settings (with none, nothing is sent). The link's token appears in this
// email only: it is never logged.
func PortalLinkMail(mailboxes *mailbox.Service, store *outbox.Store, baseURL string) func(context.Context, *db.Tx, auth.LinkMail) error {
	base := strings.TrimRight(baseURL, "/")
	return func(ctx context.Context, tx *db.Tx, m auth.LinkMail) error {
		mbs, err := mailboxes.ListWith(ctx, tx)
		if err != nil {
			return fmt.Errorf("mail: portal link: %w", err)
		}
		var from *mailbox.Mailbox
		for _, mb := range mbs {
			if sends(mb) {
				from = mb
				break
			}
		}
		if from == nil {
			return nil
		}
		name := m.User.Name
		if name == "" {
			name = m.User.Email
		}
		var subject, what, path string
		switch m.Kind {
		case auth.LinkSignIn:
			subject, what, path = "Your sign-in link", "To sign in to the help portal, open this link:", "/portal/link/"
		case "signup":
			subject, what, path = "Finish signing up", "Welcome! To finish signing up, choose your password here:", "/portal/reset/"
		default:
			subject, what, path = "Reset your password", "To choose a new password for the help portal, open this link:", "/portal/reset/"
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Hello %s,\n\n%s\n\n  %s%s%s\n\n", name, what, base, path, m.Token)
		fmt.Fprintf(&b, "The link works once, for %d minutes. If you did not ask for it, ignore this email: nothing changes.\n\n-- \nDocket\n",
			int(auth.LinkTTL.Minutes()))
		domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
		if _, err := store.Enqueue(ctx, tx, &outbox.Email{Kind: KindPortalLink, From: outbox.Address{Name: from.Name, Email: from.Address},
			To: []outbox.Address{{Name: m.User.Name, Email: m.User.Email}}, Subject: subject, Text: b.String(),
			Headers: map[string]string{"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}}, domain); err != nil {
			return fmt.Errorf("mail: portal link: %w", err)
		}
		return nil
	}
}

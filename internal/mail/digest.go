package mail

import (
	"context"
	"fmt"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/notify"
)

// KindDigest is the outbox kind of a person's daily digest of
// notifications.
const KindDigest = "notification_digest"

// Digest queues agent to's daily digest (notify.Mailer): one email
// listing items, sent as the first mailbox that sends; nothing when none
// does or the person is gone. Each line is plain text: subjects are the
// requesters' words, and the email has no HTML part to inject into.
func (o *Outgoing) Digest(ctx context.Context, tx *db.Tx, to int64, items []*notify.Notification) error {
	mbs, err := o.mailboxes.ListWith(ctx, tx)
	if err != nil {
		return fmt.Errorf("mail: digest: %w", err)
	}
	var from *outbox.Address
	for _, m := range mbs {
		if sends(m) {
			from = &outbox.Address{Name: m.Name, Email: m.Address}
			break
		}
	}
	if from == nil || len(items) == 0 {
		return nil
	}
	var email, name string
	var active bool
	if err := tx.QueryRowContext(ctx, o.q.Get("digest-recipient"), to).Scan(&email, &name, &active); err != nil {
		return fmt.Errorf("mail: digest recipient %d: %w", to, err)
	}
	if !active || email == "" {
		return nil
	}
	if name == "" {
		name = email
	}
	base := strings.TrimRight(o.baseURL, "/")
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\n", oneLine(name))
	if len(items) == 1 {
		b.WriteString("one notification is waiting for you in Docket:\n\n")
	} else {
		fmt.Fprintf(&b, "%d notifications are waiting for you in Docket:\n\n", len(items))
	}
	for _, n := range items {
		fmt.Fprintf(&b, "- %s %s %s\n", oneLine(n.Lead()), n.Reference, oneLine(n.Subject))
		if base != "" {
			fmt.Fprintf(&b, "  %s%s\n", base, n.URL())
		}
	}
	if base != "" {
		fmt.Fprintf(&b, "\nAll your notifications: %s/notifications\nChoose what is emailed: %s/profile#notify\n", base, base)
	}
	b.WriteString("\n-- \nDocket\n")
	subject := "Your Docket notifications: 1 waiting"
	if len(items) != 1 {
		subject = fmt.Sprintf("Your Docket notifications: %d waiting", len(items))
	}
	if _, err := o.store.Enqueue(ctx, tx, &outbox.Email{Kind: KindDigest, From: *from,
		To: []outbox.Address{{Name: name, Email: email}}, Subject: subject, Text: b.String(),
		Headers: map[string]string{"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}},
		from.Email[strings.LastIndexByte(from.Email, '@')+1:]); err != nil {
		return fmt.Errorf("mail: digest: %w", err)
	}
	return nil
}

// oneLine keeps a value on its line of the digest.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

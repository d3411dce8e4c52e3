package webhook

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/mail/outbox"
)

// KindDisabledNotice is the outbox kind of the email telling admins that a
// webhook was disabled.
const KindDisabledNotice = "webhook_disabled"

// actor is who disables a failing webhook: Docket itself.
var actor = event.Actor{Type: event.ActorSystem, Name: "Webhooks"}

// disable turns w off after delivery d still failed at the end of the retry
// window, in tx, unless an admin changed it since the attempt read it (w): the reason is stored and shown on the admin page, a
// webhook.disabled event goes to the audit log, and every active admin is
// emailed (when a mailbox can send).
func (s *Service) disable(ctx context.Context, tx *db.Tx, w *Webhook, d *Delivery, o outcome) error {
	last := o.err
	if last == "" {
		last = fmt.Sprintf("HTTP %d", o.status)
	}
	reason := fmt.Sprintf("Delivery %d of event %d (%s) still failed after %s of retries; last attempt: %s",
		d.ID, d.EventID, d.EventKind, span(s.opts.RetryWindow), last)
	now := db.Now()
	res, err := tx.ExecContext(ctx, s.q.Get("disable-webhook"), w.ID, reason, now, w.UpdatedAt.UnixMicro())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil // disabled already, or changed since the attempt read it
	}
	s.Log.Warn("disabled a webhook whose deliveries kept failing", "webhook", w.ID, "delivery", d.ID)
	if err := s.record(ctx, tx, actor, EventDisabled, w.ID, map[string]any{"url": w.URL, "reason": reason,
		"delivery_id": d.ID}); err != nil {
		return err
	}
	return s.noticeAdmins(ctx, tx, w, reason)
}

// span writes a retry window the way people say it.
func span(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.String()
}

// noticeAdmins emails the active admins that w was disabled, as the first
// active mailbox with outbound settings; with none, the admin page and the
// audit log still show it.
func (s *Service) noticeAdmins(ctx context.Context, tx *db.Tx, w *Webhook, reason string) error {
	if s.Mailboxes == nil || s.Outbox == nil {
		return nil
	}
	mbs, err := s.Mailboxes.ListWith(ctx, tx)
	if err != nil {
		return err
	}
	var from outbox.Address
	for _, m := range mbs {
		if m.Active && m.SMTP.Host != "" {
			from = outbox.Address{Name: m.Name, Email: m.Address}
			break
		}
	}
	if from.Email == "" {
		return nil
	}
	rows, err := tx.QueryContext(ctx, s.q.Get("admin-recipients"))
	if err != nil {
		return err
	}
	to, err := db.Collect(rows, func(sc db.Scanner) (outbox.Address, error) {
		var a outbox.Address
		return a, sc.Scan(&a.Name, &a.Email)
	})
	if err != nil || len(to) == 0 {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Docket disabled the webhook to %s.\n\n%s.\n\n", w.URL, reason)
	b.WriteString("Its deliveries wait while it is disabled. Fix the endpoint, then enable the webhook again on the\n")
	b.WriteString("Webhooks page under Admin")
	if s.BaseURL != "" {
		fmt.Fprintf(&b, " (%s/admin/webhooks/%d)", strings.TrimRight(s.BaseURL, "/"), w.ID)
	}
	b.WriteString("; the failed delivery can be redelivered from its log.\n\n-- \nDocket\n")
	domain := from.Email[strings.LastIndexByte(from.Email, '@')+1:]
	_, err = s.Outbox.Enqueue(ctx, tx, &outbox.Email{Kind: KindDisabledNotice, From: from, To: to,
		Subject: "A webhook was disabled after failing for " + span(s.opts.RetryWindow), Text: b.String(),
		Headers: map[string]string{"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}}, domain)
	return err
}

package mail_test

import (
	"context"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail/outbox"
)

func dsn(originalID string) []byte {
	return []byte("From: MAILER-DAEMON@mx.example.org\r\nTo: support@example.test\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
		"Message-ID: <dsn-" + originalID + "@mx.example.org>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n" +
		"--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n" +
		"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n" +
		"Final-Recipient: rfc822; bob@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n" +
		"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <" + originalID + ">\r\nSubject: Re: Printer\r\n\r\n--B--\r\n")
}

func TestBouncesAndAutomaticMail(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		ctx := context.Background()
		tk, m := agentRepliesToBob(t, e, "127.0.0.1", 1, "Fixed.")
		ds, err := e.s.Outbox.StatusForMessage(ctx, m.ID)
		if err != nil || len(ds) != 1 {
			t.Fatalf("queued deliveries: %+v %v", ds, err)
		}
		// The bounce fails that email and lands on its ticket as a note.
		res, err := e.s.Importer.Import(ctx, e.mb, dsn(ds[0].RFC822MessageID))
		if err != nil || res.Ticket != tk.Number || !strings.HasPrefix(res.Decision, "bounce: delivery to bob@example.org failed (5.1.1)") {
			t.Fatalf("bounce: %+v %v", res, err)
		}
		ds, _ = e.s.Outbox.StatusForMessage(ctx, m.ID)
		if ds[0].Status != outbox.StatusFailed || !strings.Contains(ds[0].LastError, "5.1.1") {
			t.Fatalf("bounced delivery = %+v", ds[0])
		}
		msgs, _ := e.s.Tickets.Messages(ctx, &userAdmin, tk.Number, 0, 50)
		if last := msgs[len(msgs)-1]; !last.Internal || !strings.Contains(last.Threading, "bounce") {
			t.Fatalf("bounce note = %+v", last)
		}
		// A bounce of nothing we sent is recorded, not filed.
		res, err = e.s.Importer.Import(ctx, e.mb, dsn("unknown@elsewhere"))
		if err != nil || res.Ticket != 0 {
			t.Fatalf("stray bounce: %+v %v", res, err)
		}
		// An out-of-office reply opens a ticket (it may matter) but is not
		// acknowledged: robots must not answer robots.
		ooo := raw("carol@example.org", "support@example.test", "Out of office", "ooo1@x", "", "Back Monday.", "Auto-Submitted: auto-replied")
		res, err = e.s.Importer.Import(ctx, e.mb, ooo)
		if err != nil || res.Ticket == 0 {
			t.Fatalf("out of office: %+v %v", res, err)
		}
		queued := func(number int64) int {
			var n int
			q := d.Rebind(`SELECT COUNT(*) FROM outbox o JOIN tickets t ON t.id = o.ticket_id WHERE t.number = $1`)
			if err := d.R.QueryRowContext(ctx, q, number).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := queued(res.Ticket); n != 0 {
			t.Fatalf("automatic mail was acknowledged (%d emails queued)", n)
		}
		human := raw("dave@example.org", "support@example.test", "Help", "h1@x", "", "Please help.")
		res, _ = e.s.Importer.Import(ctx, e.mb, human)
		if n := queued(res.Ticket); n != 1 {
			t.Fatalf("a person's mail got %d acknowledgements, want 1", n)
		}
	})
}

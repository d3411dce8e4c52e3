package mail_test

import (
	"context"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
)

// A different message that reuses a Message-ID is filed, and its import
// record says so; the exact same message again is still a no-op, and a
// reply to the reused id goes to the ticket its sender takes part in.
func TestReusedMessageIDWithOtherContentIsFiled(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		ctx := context.Background()
		first, err := e.im.Import(ctx, e.mb, raw("form@example.org", "support@example.test", "Contact form: printer", "form@example.org", "", "The printer jams."))
		if err != nil || first.Ticket == 0 {
			t.Fatalf("first: %+v %v", first, err)
		}
		second := raw("form@example.org", "support@example.test", "Contact form: password", "form@example.org", "", "I forgot my password.")
		res, err := e.im.Import(ctx, e.mb, second)
		if err != nil || res.Duplicate || res.Ticket == 0 || res.Ticket == first.Ticket {
			t.Fatalf("other content under a reused Message-ID: %+v %v", res, err)
		}
		if !strings.Contains(res.Decision, "Message-ID reused by different content") {
			t.Fatalf("decision = %q", res.Decision)
		}
		var decision string
		var n int
		if err := d.R.QueryRowContext(ctx, d.Rebind(`SELECT COUNT(*), MAX(decision) FROM inbound_messages WHERE message_id = $1`),
			"form@example.org").Scan(&n, &decision); err != nil || n != 2 || !strings.Contains(decision, "Message-ID reused by different content") {
			t.Fatalf("import records: %d %q %v", n, decision, err)
		}
		// The very same bytes again: nothing new.
		again, err := e.im.Import(ctx, e.mb, second)
		if err != nil || !again.Duplicate || again.Ticket != res.Ticket {
			t.Fatalf("re-delivery: %+v %v", again, err)
		}
		// Another sender reuses the id; the first sender's reply to it still
		// lands on the first sender's ticket.
		other, err := e.im.Import(ctx, e.mb, raw("mallory@example.org", "support@example.test", "Hello", "form@example.org", "", "Hi."))
		if err != nil || other.Duplicate || other.Ticket == 0 {
			t.Fatalf("other sender: %+v %v", other, err)
		}
		reply, err := e.im.Import(ctx, e.mb, raw("form@example.org", "support@example.test", "Re: your mail", "reply1@example.org", "form@example.org", "Still jammed."))
		if err != nil || reply.Ticket != res.Ticket {
			t.Fatalf("reply to the reused id: %+v %v, want ticket #%d", reply, err, res.Ticket)
		}
	})
}

package mail_test

import (
	"context"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// A reply that names only a Message-ID Docket sent — no subject tag, no
// per-ticket reply address — lands on that ticket and is not acknowledged
// as a new one: the acknowledgement's id is found in the outbox, an agent's
// reply's id on the message itself (it outlives the pruned outbox row).
func TestRepliesToOurOwnMailThread(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		ctx := context.Background()
		k, host, port := startSink(t)
		none := "none"
		if _, err := e.s.Mailboxes.Update(ctx, &userAdmin, e.mb.ID, mailbox.Input{SMTP: mailbox.ServerInput{Host: &host, Port: &port, TLS: &none}}); err != nil {
			t.Fatal(err)
		}
		first, err := e.s.Importer.Import(ctx, e.mb, raw("Bob <bob@example.org>", "support@example.test", "Printer on fire", "p1@example.org", "", "Help."))
		if err != nil || first.Ticket == 0 {
			t.Fatalf("import: %+v %v", first, err)
		}
		n := first.Ticket
		var ackID string
		if err := d.R.QueryRowContext(ctx, d.Rebind(`SELECT o.rfc822_message_id FROM outbox o JOIN tickets t ON t.id = o.ticket_id
			WHERE t.number = $1 AND o.kind = $2`), n, outbox.KindAck).Scan(&ackID); err != nil {
			t.Fatalf("the acknowledgement: %v", err)
		}
		acks := func() int {
			var c int
			if err := d.R.QueryRowContext(ctx, d.Rebind(`SELECT COUNT(*) FROM outbox WHERE kind = $1`), outbox.KindAck).Scan(&c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		onlyInReplyTo := func(msgID, to, subject string) (int64, string) {
			t.Helper()
			res, err := e.s.Importer.Import(ctx, e.mb, raw("Bob <bob@example.org>", "support@example.test", subject, msgID, "", "More.",
				"In-Reply-To: <"+to+">"))
			if err != nil {
				t.Fatal(err)
			}
			return res.Ticket, res.Decision
		}

		// A reply to the acknowledgement, its subject without the tag.
		if got, how := onlyInReplyTo("p2@example.org", ackID, "Re: Printer on fire"); got != n || how != "threaded by In-Reply-To" {
			t.Fatalf("reply to the acknowledgement: ticket %d (%q), want %d", got, how, n)
		}

		// An agent's reply carries its Message-ID on the message.
		agent := apptest.User(t, e.s, user.RoleAgent, "")
		m, err := e.s.Tickets.Reply(ctx, agent, n, ticket.NewReply{Body: "Unplug it."})
		if err != nil {
			t.Fatal(err)
		}
		ds, err := e.s.Outbox.StatusForMessage(ctx, m.ID)
		if err != nil || len(ds) != 1 {
			t.Fatalf("deliveries: %+v %v", ds, err)
		}
		if m.MessageID == "" || m.MessageID != ds[0].RFC822MessageID {
			t.Fatalf("the reply's message_id = %q, its email's Message-ID %q", m.MessageID, ds[0].RFC822MessageID)
		}
		got := k.wait(t, 2) // the acknowledgement and the reply, in either order
		if !strings.Contains(got[0]+got[1], "Message-ID: <"+m.MessageID+">") {
			t.Fatalf("the reply did not go out under its message's Message-ID %s:\n%s", m.MessageID, strings.Join(got, "\n"))
		}
		// Sent email is pruned from the outbox after a while; the id stays.
		if _, err := d.W.ExecContext(ctx, d.Rebind(`DELETE FROM outbox WHERE message_id = $1`), m.ID); err != nil {
			t.Fatal(err)
		}
		if got, how := onlyInReplyTo("p3@example.org", m.MessageID, "Re: Re: Printer on fire"); got != n || how != "threaded by In-Reply-To" {
			t.Fatalf("reply to the agent's reply: ticket %d (%q), want %d", got, how, n)
		}
		if c := acks(); c != 1 {
			t.Fatalf("%d acknowledgements, want the first ticket's only", c)
		}
		if all, _ := e.s.Tickets.Count(ctx, &userAdmin, ticket.Filter{}); all != 1 {
			t.Fatalf("%d tickets, want 1", all)
		}
	})
}

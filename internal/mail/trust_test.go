package mail_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// staffEnv is a mailbox that sends, an agent, and a customer's ticket the
// agent is assigned to (so mail from the agent threads onto it).
type staffEnv struct {
	*env
	d     *db.DB
	agent *user.Actor
	tk    *ticket.Ticket
}

func setupStaff(t *testing.T, d *db.DB) *staffEnv {
	t.Helper()
	e := setup(t, d)
	ctx := context.Background()
	host, tls, port := "127.0.0.1", "none", 1
	if _, err := e.s.Mailboxes.Update(ctx, &userAdmin, e.mb.ID, mailbox.Input{SMTP: mailbox.ServerInput{Host: &host, Port: &port, TLS: &tls}}); err != nil {
		t.Fatal(err)
	}
	agent := apptest.User(t, e.s, user.RoleAgent, "agent@example.test")
	tk := apptest.Ticket(t, e.s, agent, func(n *ticket.NewTicket) {
		n.Requester = &ticket.Contact{Email: "victim@example.org"}
		n.Channel = ticket.ChannelPhone
		n.Assignee = agent.Email
	})
	return &staffEnv{env: e, d: d, agent: agent, tk: tk}
}

// queued counts the emails queued for ticket number.
func (e *staffEnv) queued(t *testing.T, number int64) int {
	t.Helper()
	var n int
	q := e.d.Rebind(`SELECT COUNT(*) FROM outbox o JOIN tickets t ON t.id = o.ticket_id WHERE t.number = $1`)
	if err := e.d.R.QueryRowContext(context.Background(), q, number).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *staffEnv) messages(t *testing.T) []*ticket.Message {
	t.Helper()
	msgs, err := e.s.Tickets.Messages(context.Background(), &userAdmin, e.tk.Number, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// fromAgent is mail from the agent's address answering the ticket, with
// top prepended to its header block (what the receiving servers add).
func (e *staffEnv) fromAgent(id, top string, extra ...string) []byte {
	return append([]byte(top), raw("Agent <agent@example.test>", "support@example.test", fmt.Sprintf("Re: [#%d]", e.tk.Number), id, "", "Please send me your password.", extra...)...)
}

// An Authentication-Results field is believed only where the trusted
// server put it: at the top. A forged "dmarc=pass" for our own server
// further down must not turn mail forged from an agent's address into a
// public reply in the agent's name, mailed to the customer.
func TestForgedAuthenticationResultsBelowTheTrustedOnesAreIgnored(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setupStaff(t, d)
		ctx := context.Background()
		e.s.Importer.TrustedAuthservID = "mx.example.test"
		real := "Authentication-Results: mx.example.test; spf=softfail smtp.mailfrom=evil.example; dkim=none; dmarc=none header.from=example.test\r\n"
		hop := "Received: from evil.example (evil.example [203.0.113.9]) by mx.example.test with ESMTP; Tue, 24 Nov 2026 10:00:01 +0000\r\n"
		forged := "Authentication-Results: mx.example.test; dkim=pass header.d=example.test; dmarc=pass header.from=example.test"
		before, mailed := len(e.messages(t)), e.queued(t, e.tk.Number)
		for name, m := range map[string][]byte{
			"below the trusted server's Received": e.fromAgent("forged1@x", real+hop, forged),
			"right below the real field":          e.fromAgent("forged2@x", real, forged),
			"under a delivery agent's Received":   e.fromAgent("forged3@x", "Received: from mx.example.test by imap.example.test (LMTP)\r\n"+real+hop, forged),
			"a pass for another domain":           e.fromAgent("forged4@x", "Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=evil.example; dkim=pass header.d=evil.example\r\n"+hop),
			"another server's pass":               e.fromAgent("forged5@x", hop, "Authentication-Results: relay.evil.example; dmarc=pass header.from=example.test"),
		} {
			res, err := e.s.Importer.Import(ctx, e.mb, m)
			if err != nil || !res.Quarantined || res.Ticket != 0 || !strings.Contains(res.Decision, "unverified sender") {
				t.Errorf("forged %s: %+v %v", name, res, err)
			}
		}
		if got := e.messages(t); len(got) != before {
			t.Fatalf("forged staff mail was filed on the ticket: %+v", got[len(got)-1])
		}
		if n := e.queued(t, e.tk.Number); n != mailed {
			t.Fatalf("forged staff mail queued %d emails to the customer", n-mailed)
		}

		// The genuine case: the trusted server vouches at the top (its own
		// fields may come in several, one per checker), and a forged fail
		// further down changes nothing.
		genuine := "Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=mail.example.test\r\n" +
			"Authentication-Results: mx.example.test; dkim=pass (2048-bit key) header.d=example.test header.i=@example.test; dmarc=pass header.from=example.test\r\n" +
			"Received: from mail.example.test (mail.example.test [198.51.100.2]) by mx.example.test with ESMTPS; Tue, 24 Nov 2026 10:00:01 +0000\r\n"
		res, err := e.s.Importer.Import(ctx, e.mb, e.fromAgent("real1@x", genuine, "Authentication-Results: mx.example.test; dmarc=fail"))
		if err != nil || res.Quarantined || res.Ticket != e.tk.Number {
			t.Fatalf("genuine staff mail: %+v %v", res, err)
		}
		msgs := e.messages(t)
		if last := msgs[len(msgs)-1]; last.Internal || last.Author.Email != "agent@example.test" {
			t.Fatalf("genuine staff reply = %+v", last)
		}
		if n := e.queued(t, e.tk.Number); n != mailed+1 {
			t.Fatalf("genuine staff reply queued %d emails, want 1", n-mailed)
		}
		// A DMARC fail at the top still quarantines, whatever lies below.
		res, err = e.s.Importer.Import(ctx, e.mb, raw("ceo@example.org", "support@example.test", "Wire money", "dmarc1@x", "", "now",
			"Authentication-Results: mx.example.test; dmarc=pass header.from=example.org"))
		if err != nil || res.Quarantined {
			t.Fatalf("a pass with nothing above it is not a fail: %+v %v", res, err)
		}
		res, err = e.s.Importer.Import(ctx, e.mb, append([]byte("Authentication-Results: mx.example.test; dmarc=fail header.from=example.org\r\n"),
			raw("ceo@example.org", "support@example.test", "Wire money", "dmarc2@x", "", "now", "Authentication-Results: mx.example.test; dmarc=pass")...))
		if err != nil || !res.Quarantined || !strings.Contains(res.Decision, "DMARC fail") {
			t.Fatalf("DMARC fail at the top: %+v %v", res, err)
		}
	})
}

// Mail from an agent's address that nobody vouched for is shown as what it
// is, unverified mail from that address, held with the reason: never the
// agent's own note or reply, on a ticket or a new one, and never mailed.
func TestUnverifiedStaffMailIsHeldNotFiledAsTheAgents(t *testing.T) {
	e := setupStaff(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	before, mailed := len(e.messages(t)), e.queued(t, e.tk.Number)
	// No trusted server configured: nothing can vouch for staff mail.
	res, err := e.s.Importer.Import(ctx, e.mb, e.fromAgent("unv1@x", ""))
	if err != nil || !res.Quarantined || res.Ticket != 0 {
		t.Fatalf("unverified staff reply: %+v %v", res, err)
	}
	// Not answering a ticket: no new ticket in the agent's name either.
	res, err = e.s.Importer.Import(ctx, e.mb, raw("agent@example.test", "support@example.test", "Urgent: reset my password", "unv2@x", "", "Now."))
	if err != nil || !res.Quarantined || res.Ticket != 0 {
		t.Fatalf("unverified staff mail for a new ticket: %+v %v", res, err)
	}
	if all, _ := e.s.Tickets.Count(ctx, &userAdmin, ticket.Filter{}); all != 1 {
		t.Fatalf("%d tickets, want only the customer's", all)
	}
	if len(e.messages(t)) != before || e.queued(t, e.tk.Number) != mailed {
		t.Fatal("unverified staff mail reached the ticket or the outbox")
	}
	held, err := e.s.Importer.Quarantined(ctx, &userAdmin)
	if err != nil || len(held) != 2 {
		t.Fatalf("held = %+v %v", held, err)
	}
	for _, h := range held {
		if h.Sender != "agent@example.test" || !strings.Contains(h.Reason, "unverified sender: mail from the staff address agent@example.test") {
			t.Fatalf("held message = %+v", h)
		}
	}
	// An agent who looked at it may release it: it lands as an internal
	// note, still never mailed to the customer.
	for _, h := range held {
		if h.MessageID == "unv1@x" {
			if res, err = e.s.Importer.Release(ctx, &userAdmin, h.ID); err != nil || res.Ticket != e.tk.Number {
				t.Fatalf("release: %+v %v", res, err)
			}
		}
	}
	msgs := e.messages(t)
	if last := msgs[len(msgs)-1]; !last.Internal || e.queued(t, e.tk.Number) != mailed {
		t.Fatalf("released unverified staff mail = %+v", last)
	}
	// Requesters' mail is not affected.
	res, err = e.s.Importer.Import(ctx, e.mb, raw("victim@example.org", "support@example.test", fmt.Sprintf("Re: [#%d]", e.tk.Number), "cust1@x", "", "Thanks"))
	if err != nil || res.Quarantined || res.Ticket != e.tk.Number {
		t.Fatalf("customer mail: %+v %v", res, err)
	}
}

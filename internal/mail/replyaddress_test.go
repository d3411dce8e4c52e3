package mail_test

import (
	"context"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// The per-ticket Reply-To address an agent's email carries brings the
// answer back to that ticket, with no subject tag and no In-Reply-To to
// help; an address whose token was altered opens a ticket of its own.
func TestReplyAddressThreadsInboundMail(t *testing.T) { eachDB(t, testReplyAddressThreadsInboundMail) }

func testReplyAddressThreadsInboundMail(t *testing.T, e *env) {
	ctx := context.Background()
	// An SMTP server is configured (nothing listens there): replies are
	// queued in the outbox, which is all this test reads.
	tk, _ := agentRepliesToBob(t, e, "127.0.0.1", 1, "Please send the serial number.")
	// The address Docket handed out, as it stands in the queued email.
	var replyTo string
	q := e.d.Rebind(`SELECT o.reply_to FROM outbox o JOIN tickets t ON t.id = o.ticket_id WHERE t.number = $1 AND o.kind = 'reply'`)
	if err := e.d.R.QueryRowContext(ctx, q, tk.Number).Scan(&replyTo); err != nil {
		t.Fatalf("the reply's outbox row: %v", err)
	}
	local, domain, _ := strings.Cut(replyTo, "@")
	base, token, tagged := strings.Cut(local, "+")
	if !tagged || base+"@"+domain != e.mb.Address || len(token) != 32 {
		t.Fatalf("Reply-To = %q, want support+<token>@example.test", replyTo)
	}

	// Bob answers to that address only: a new subject, no threading headers.
	res, err := e.im.Import(ctx, e.mb, raw("Bob <bob@example.org>", replyTo, "Serial number", "ra1@example.org", "", "It is SN-4711."))
	if err != nil || res.Ticket != tk.Number || res.Decision != "threaded by reply address" {
		t.Fatalf("reply to %s: %+v %v; want threaded onto #%d by reply address", replyTo, res, err, tk.Number)
	}
	// Some mail systems change the case of the address; in Cc it counts too.
	res, err = e.im.Import(ctx, e.mb, raw("bob@example.org", "other@example.org", "Also", "ra2@example.org", "", "And the model.",
		"Cc: "+strings.ToUpper(replyTo)))
	if err != nil || res.Ticket != tk.Number || res.Decision != "threaded by reply address" {
		t.Fatalf("reply in Cc, upper case: %+v %v; want threaded onto #%d", res, err, tk.Number)
	}

	// A token with one digit changed, cut short, or not hex at all, names
	// no ticket: the mail becomes a ticket of its own.
	tampered := []byte(token)
	if tampered[31] == '0' {
		tampered[31] = '1'
	} else {
		tampered[31] = '0'
	}
	for i, bad := range []string{string(tampered), token[:31], strings.Repeat("g", 32)} {
		addr := base + "+" + bad + "@" + domain
		res, err := e.im.Import(ctx, e.mb, raw("bob@example.org", addr, "Serial number", "tampered"+string(rune('a'+i))+"@example.org", "", "SN-4711."))
		if err != nil || res.Ticket == 0 || res.Ticket == tk.Number || res.Decision != "new ticket: no reference to an existing ticket" {
			t.Fatalf("mail to %s: %+v %v; want a new ticket", addr, res, err)
		}
	}
	msgs, err := e.s.Tickets.Messages(ctx, &userAdmin, tk.Number, 0, 50)
	if err != nil || len(msgs) != 4 {
		t.Fatalf("ticket #%d holds %d messages (%v), want the first, the agent's reply and Bob's two answers", tk.Number, len(msgs), err)
	}
}

// agentRepliesToBob sends the mailbox's mail through the SMTP server at
// host:port and has an agent reply publicly on a phone ticket of Bob's,
// which queues the reply's email.
func agentRepliesToBob(t *testing.T, e *env, host string, port int, body string) (*ticket.Ticket, *ticket.Message) {
	t.Helper()
	agent, tk := bobsTicket(t, e, host, port)
	m, err := e.s.Tickets.Reply(context.Background(), agent, tk.Number, ticket.NewReply{Body: body})
	if err != nil {
		t.Fatal(err)
	}
	return tk, m
}

// bobsTicket has the mailbox send through the SMTP server at host:port and
// opens a phone ticket for Bob as a new agent, who is returned with it.
func bobsTicket(t *testing.T, e *env, host string, port int) (*user.Actor, *ticket.Ticket) {
	t.Helper()
	tls := "none"
	if _, err := e.s.Mailboxes.Update(context.Background(), &userAdmin, e.mb.ID, mailbox.Input{SMTP: mailbox.ServerInput{Host: &host, Port: &port, TLS: &tls}}); err != nil {
		t.Fatal(err)
	}
	agent := apptest.User(t, e.s, user.RoleAgent, "")
	tk := apptest.Ticket(t, e.s, agent, func(n *ticket.NewTicket) {
		n.Requester = &ticket.Contact{Email: "bob@example.org", Name: "Bob"}
		n.Channel = ticket.ChannelPhone
	})
	return agent, tk
}
